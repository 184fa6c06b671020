package dev.braid.pipeline;

/*
 * Buffer's two hot counters, each on a cache line of its own: putters CAS 'tail' and takers
 * CAS 'head' once per item, and on one line the two sides invalidated each other's copy on
 * every operation (false sharing). HotSpot lays out a superclass's fields before its
 * subclass's, so the padding classes below put at least 64 bytes between the counters and
 * between them and the rest of the object. JMH numbers that justify the padding are in
 * BENCHMARKS.md (pipeline section). Each side's waiter count sits next to the counter its
 * waker writes, so that the waker's read of it after its CAS hits a line it already owns.
 */

/** Padding before the put side. */
abstract class BufferPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

/** The put side: written by putters on every item. */
abstract class BufferTailSide extends BufferPad0 {
    /** (positions claimed by putters << 1) | closed bit. */
    volatile long tail;
    /** Takers past their spin phase; read by putters after every put. */
    volatile int takeWaiters;
}

/** Padding between the two sides. */
abstract class BufferPad1 extends BufferTailSide {
    long p10, p11, p12, p13, p14, p15, p16, p17;
}

/** The take side: written by takers on every item. */
abstract class BufferHeadSide extends BufferPad1 {
    /** Positions claimed by takers (and abort). */
    volatile long head;
    /** Putters past their spin phase; read by takers after every take. */
    volatile int putWaiters;
    /** Those of them that wait with a deadline (offer); read by a taker that saw putWaiters != 0. */
    volatile int timedPutWaiters;
    long p20, p21, p22, p23, p24, p25, p26, p27;
}
