/**
 * Every bound the broker enforces, in one module. Each section belongs to one
 * layer; edit only your section. Names carry units (Bytes, Ms, Count).
 */

// --- protocol -------------------------------------------------------------
/** Largest request frame accepted (Kafka's socket.request.max.bytes default). */
export const frameBytesMax = 100 * 1024 * 1024;
/** Largest array element count a decoder accepts, before checking remaining bytes. */
export const arrayCountMax = 10_000_000;
/** Largest string a decoder accepts (int16 strings are capped at 32767 anyway). */
export const stringBytesMax = 1024 * 1024;
/** Upper bound on the bytes one compressed batch may inflate to. */
export const decompressedBytesMax = 64 * 1024 * 1024;

// --- storage --------------------------------------------------------------
