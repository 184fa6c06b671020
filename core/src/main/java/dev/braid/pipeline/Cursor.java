package dev.braid.pipeline;

/**
 * One worker's view of the buffer it takes from: the sequence number (position in the
 * buffer's input order) of the item it took last. Owned and used by one thread only.
 */
final class Cursor {
    /** The sequence number of the item taken last; -1 before the first take. */
    long seq = -1;
}
