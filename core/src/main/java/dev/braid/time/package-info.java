/**
 * Time as braid reads it: the {@link dev.braid.time.Ticker} shared by rate limiters, pools
 * and scope deadlines, replaceable by a manual ticker in tests.
 */
package dev.braid.time;
