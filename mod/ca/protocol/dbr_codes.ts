/**
 * DBR type codes (ca-protocol.md §5.2): `code = family·7 + value type` for 0–34, then the
 * special types 35–38.
 *
 * @module
 */

/** DBR type 0. */
export const DBR_STRING = 0;
/** DBR type 1. */
export const DBR_SHORT = 1;
/** DBR type 2. */
export const DBR_FLOAT = 2;
/** DBR type 3. */
export const DBR_ENUM = 3;
/** DBR type 4. */
export const DBR_CHAR = 4;
/** DBR type 5. */
export const DBR_LONG = 5;
/** DBR type 6. */
export const DBR_DOUBLE = 6;
/** DBR type 7. */
export const DBR_STS_STRING = 7;
/** DBR type 8. */
export const DBR_STS_SHORT = 8;
/** DBR type 9. */
export const DBR_STS_FLOAT = 9;
/** DBR type 10. */
export const DBR_STS_ENUM = 10;
/** DBR type 11. */
export const DBR_STS_CHAR = 11;
/** DBR type 12. */
export const DBR_STS_LONG = 12;
/** DBR type 13. */
export const DBR_STS_DOUBLE = 13;
/** DBR type 14. */
export const DBR_TIME_STRING = 14;
/** DBR type 15. */
export const DBR_TIME_SHORT = 15;
/** DBR type 16. */
export const DBR_TIME_FLOAT = 16;
/** DBR type 17. */
export const DBR_TIME_ENUM = 17;
/** DBR type 18. */
export const DBR_TIME_CHAR = 18;
/** DBR type 19. */
export const DBR_TIME_LONG = 19;
/** DBR type 20. */
export const DBR_TIME_DOUBLE = 20;
/** DBR type 21. */
export const DBR_GR_STRING = 21;
/** DBR type 22. */
export const DBR_GR_SHORT = 22;
/** DBR type 23. */
export const DBR_GR_FLOAT = 23;
/** DBR type 24. */
export const DBR_GR_ENUM = 24;
/** DBR type 25. */
export const DBR_GR_CHAR = 25;
/** DBR type 26. */
export const DBR_GR_LONG = 26;
/** DBR type 27. */
export const DBR_GR_DOUBLE = 27;
/** DBR type 28. */
export const DBR_CTRL_STRING = 28;
/** DBR type 29. */
export const DBR_CTRL_SHORT = 29;
/** DBR type 30. */
export const DBR_CTRL_FLOAT = 30;
/** DBR type 31. */
export const DBR_CTRL_ENUM = 31;
/** DBR type 32. */
export const DBR_CTRL_CHAR = 32;
/** DBR type 33. */
export const DBR_CTRL_LONG = 33;
/** DBR type 34. */
export const DBR_CTRL_DOUBLE = 34;
/** DBR type 1 under its other name. */
export const DBR_INT = 1;
/** Write-only: acknowledge transient alarms flag. */
export const DBR_PUT_ACKT = 35;
/** Write-only: acknowledge alarm severity. */
export const DBR_PUT_ACKS = 36;
/** Read-only: status, severity, ackt, acks and the value as a string. */
export const DBR_STSACK_STRING = 37;
/** Read-only: the record type name. */
export const DBR_CLASS_NAME = 38;
/** Highest valid DBR type code. */
export const LAST_DBR_TYPE = 38;
/** Bytes in a DBR string slot (≤ 39 characters plus NUL). */
export const MAX_STRING_SIZE = 40;
/** Bytes in a units slot (≤ 7 characters plus NUL). */
export const MAX_UNITS_SIZE = 8;
/** Bytes in an enum state slot (≤ 25 characters plus NUL). */
export const MAX_ENUM_STRING_SIZE = 26;
/** Most enum states a GR/CTRL_ENUM structure carries. */
export const MAX_ENUM_STATES = 16;
