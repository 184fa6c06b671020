package dev.braid.scope;

import dev.braid.internal.VirtualThreads;
import dev.braid.time.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.MDC;
import org.slf4j.spi.MDCAdapter;

/**
 * A scope of concurrent child tasks that all end before the scope does: structured concurrency
 * for Java 17+ (asyncio's {@code TaskGroup}, trio's nursery, JDK 25's preview
 * {@code StructuredTaskScope}), without preview flags.
 *
 * <pre>{@code
 * try (TaskScope scope = TaskScope.open()) {          // fail-fast: first failure cancels siblings
 *     Task<String> a = scope.fork(() -> fetch(u1));
 *     Task<String> b = scope.fork(() -> fetch(u2));
 *     scope.join();                                    // waits; throws TaskFailedException
 *     return a.resultNow() + b.resultNow();
 * }
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 * The thread that opens a scope is its <em>owner</em>. The owner and the scope's own children
 * (and their descendants) may {@link #fork fork}; only the owner may {@link #join()} and
 * {@link #close()} (any other thread gets an {@link IllegalStateException}). {@code close()}
 * returns only when every child has finished: no task of the scope runs after it. A child that
 * ignores interrupts delays {@code join} and {@code close} until it ends (the JDK's rule too).
 *
 * <h2>Threads</h2>
 * Each child runs on its own (unnamed, like the JDK's {@code StructuredTaskScope} children)
 * virtual thread on JDK 21+. On JDK 17 (or with
 * {@code -Dbraid.virtualThreads.disabled=true}) children run on one pool shared by every
 * scope, of daemon platform threads named {@code braid-scope-worker-n}, which end after 30
 * seconds idle. It is unbounded like a cached pool: a child never waits for another task to
 * end, because a new thread is woken or started whenever no idle worker is already looking for
 * work. Unlike a cached pool it does not wake a thread per fork: a burst of short children is
 * drained by the few workers already awake, and one idle worker polls for 20 microseconds
 * before it parks (on a machine with more than one CPU), so a fork right after another scope
 * finds it awake. Warm threads are reused across scopes: {@code close()} waits for the scope's
 * children, and a worker may stay alive, idle in the pool, after it (no task of the scope runs
 * on it).
 * To run children on threads of your own, pass an {@link Builder#executor(Executor) executor}:
 * braid then runs each child as one {@code Runnable} on it, waits for the children (not for
 * the executor's threads) and never shuts it down. With a
 * {@link Builder#threadFactory(ThreadFactory) thread factory}, each child gets a new thread
 * from it, which {@code close()} joins, so no such thread outlives the scope. With threads
 * of their own (virtual threads, a thread factory), an owner that forked at most 64 children
 * since its last wait calls {@link Thread#yield()} for up to 20 microseconds in {@code join}
 * or {@code close} before it blocks, so that a small fan-out of short children costs it no
 * park.
 *
 * <h2>Failure, cancellation, timeout</h2>
 * <ul>
 * <li>{@link FailurePolicy#FAIL_FAST} (the default): the first failure cancels every
 *     non-shielded sibling; {@code join()} throws {@link TaskFailedException} (cause: the first
 *     failure; later failures suppressed). Cancellations the scope caused are never failures.
 *     An {@link Error} (say {@link StackOverflowError}) thrown by a child is a failure like any
 *     other and is never swallowed.</li>
 * <li>{@link FailurePolicy#SUPERVISE}: failures stay with their tasks; {@code join()} waits for
 *     all and does not throw for them; read them with {@link #settle(List)}.</li>
 * <li>Cancellation interrupts the child's thread. A running child the scope cancelled that ends
 *     with an {@code InterruptedException}, {@code CancellationException},
 *     {@code InterruptedIOException}, {@code ClosedByInterruptException}, or an exception
 *     whose cause chain holds one, is cancelled; anything else it throws is a real failure and
 *     is kept; a value it returns is kept. A child not yet started never runs.</li>
 * <li>Timeout or deadline (counted from {@code open}): once it passes while children run, every
 *     non-shielded child is cancelled and {@code join()} throws {@link ScopeTimeoutException};
 *     results of children that finished stay readable. A deadline that passes after every child
 *     already finished is not a timeout. A child whose task was cancelled through
 *     {@link Task#cancel(boolean) cancel(false)} has not finished while its callable still
 *     runs: the scope waits for it, and the deadline interrupts it. The deadline is enforced
 *     by the scope's waits ({@code join}, {@code close}, {@code gather}, {@code settle},
 *     {@code race}, {@code asCompleted}) and by {@code fork}: no timer thread is involved, so
 *     a deadline that passes while the owner neither waits nor forks takes effect at its next
 *     wait. A deadline and a failure together: {@code join} throws whichever came first, the
 *     other suppressed.</li>
 * <li>{@link #forkShielded shielded} children are never cancelled by their scope (timeout,
 *     sibling failure, {@link #cancel()}, enclosing scope), only by their own
 *     {@link Task#cancel(boolean)}; the scope still waits for them and their result stays
 *     readable after a timeout.</li>
 * <li>Nested scopes: a scope opened inside a child of another scope is cancelled when that
 *     child is cancelled, so cancelling an outer scope reaches the inner scopes' children.</li>
 * <li>{@code fork} racing the scope's own cancellation (a sibling failed, the deadline passed)
 *     returns a task that is already cancelled and never starts. {@code fork} after
 *     {@code close()}, or by the owner after its own {@code cancel()}, throws
 *     {@link IllegalStateException}. {@code fork} after {@code join()} is allowed: join again.</li>
 * <li>{@code close()} without a {@code join} that reported the outcome cancels unfinished
 *     children, waits for them, and then throws the failure or timeout, so an outcome is never
 *     lost silently.</li>
 * </ul>
 *
 * <h2>Context</h2>
 * The forking thread's SLF4J {@link MDC} is copied into the child and cleared after it, unless
 * {@link Builder#propagateMdc(boolean)} turned that off.
 *
 * <h2>Memory</h2>
 * A scope keeps a reference to each task it forked until it closes (to cancel and join them).
 * A scope that forks an unbounded stream of tasks should be closed and reopened per batch.
 *
 * <h2>Thread-safety and memory consistency</h2>
 * {@code fork}, {@code cancel} and the waits on tasks ({@code gather}, {@code settle},
 * {@code race}, {@code asCompleted}) may be called from the owner or any thread inside the
 * scope; {@code join} and {@code close} from the owner only. Each {@code asCompleted} iterator
 * is for one thread. <b>Memory consistency effects:</b> actions in a thread before it forks a
 * task happen-before the task's callable runs; actions in a child's callable happen-before
 * {@code join()} (or {@code close()}) returns or throws, and happen-before another thread
 * obtains that child's outcome from {@code gather}, {@code settle}, {@code race},
 * {@code asCompleted}, or the {@link Task}.
 */
public final class TaskScope implements AutoCloseable {

    /*
     * Implementation notes
     *
     * Overview. The scope keeps three lock-free pieces of state:
     *   - 'live' (executor mode only): the number of forked tasks whose run wrapper has not
     *     finished (or that were cancelled before starting). fork increments it before the task
     *     can start; the task's wrapper (or the canceller of a task that never started)
     *     decrements it once. join waits for zero. A child forks only while it is itself live,
     *     so the count cannot touch zero and come back while the owner waits. Thread-per-task
     *     mode (virtual threads, a thread factory) counts nothing: join walks the threads.
     *   - 'head': a Treiber stack of every task forked (push-only until close). Cancellation
     *     walks it; close joins the threads recorded in it.
     *   - 'cancelReason' / 'firstOutcome': set once by CAS. cancelReason says the scope is
     *     cancelling (walk once); firstOutcome is the first failure or TIMEOUT, which join reports.
     *
     * Fork vs cancel. fork pushes the task (CAS on head) and then reads cancelReason; a
     * canceller CASes cancelReason and then reads head. All four accesses are volatile (SC), so
     * at least one of them sees the other: either the walk reaches the task or the forker sees
     * the reason and cancels it itself (cancelling twice is harmless: the state CAS decides).
     *
     * Waiting. The owner publishes itself in 'joinWaiter' (volatile) and re-reads 'live' before
     * parking; the child that takes 'live' to zero (getAndAdd, SC) then reads 'joinWaiter' and
     * unparks it. A permit given before the park is not lost. Deadlines use parkNanos on the
     * system ticker; no timer thread exists. Past the deadline, a waiter times the scope out
     * if some task has not ended (ScopedTask.hasEnded): an undecided outcome, or a callable
     * still running after Task.cancel decided the outcome, which only the timeout's
     * cancellation can interrupt. Deciding by isDone() alone let join wait for such a callable
     * past the deadline, for good (TaskScopeStressTest found it).
     *
     * Joining threads (thread-per-task mode). The owner walks the list from 'head' and
     * Thread.joins each child's thread, newest first (so it blocks about once), with a timed
     * join while a deadline is pending. A task's 'thread' is written before the task is
     * pushed, so the CAS on 'head' publishes it to the walker's volatile read of 'head'.
     * Thread termination happens-before join returns: the child-to-owner edge. Two things the
     * walk cannot see are covered by falling back: a task pushed after it read 'head' (a child
     * forked it) is found by reading 'head' again once the walk ends, until it stops changing
     * (a child pushes before it ends, and its end happens-before the owner's join of it, so
     * the re-read sees the push); a task whose forking child has not started its thread yet
     * (join of an unstarted thread returns at once, the task is still NEW) is waited for
     * through its listener (the Treiber hand-off of ScopedTask), then its thread is joined.
     * This costs the children nothing: no shared counter is touched per child.
     *
     * Yielding before the first block (thread-per-task mode). Before the walk's first join of
     * a live thread, the owner calls Thread.yield() for up to SPIN_NANOS (20 µs, never past
     * the deadline) while that thread is alive. A small fan-out of short children then ends
     * while the owner is still awake, which spares it a park and the last child an unpark
     * (on virtual threads the owner's yield also hands its carrier to the children). It is
     * done only if the owner forked at most SPIN_MAX_FORKS (64) children since its last wait:
     * with more, the children are still queued when the owner reaches join, and on 2 cores
     * yielding made a 256- or 1,024-child fork and join 1.3x-1.7x slower (BENCHMARKS.md).
     * Executor mode does not yield: there the JDK 17 pool's idle worker already polls, and the
     * owner yielding as well made 16- and 64-child scopes slower. 'ownerForks' is owner-only.
     *
     * Orderings. Every VarHandle access here uses the default (volatile) mode: getAndAdd on
     * 'live', compareAndSet on 'head', 'cancelReason', 'firstOutcome' and 'timedOut'. Weaker
     * modes would not do: the two hand-offs above are Dekker-style (each side writes one
     * variable and reads the other) and need sequential consistency; the decrement of 'live'
     * must also release the child's writes to the owner that reads zero (the happens-before
     * edge behind "actions in a child happen-before join returns"). 'laterFailures' is a
     * ConcurrentLinkedQueue filled before the failing child's decrement, so join sees it whole.
     *
     * Benign races: 'closedFlag' is read by children that fork, but close() cannot finish while
     * a child runs, so a child never sees it set (the check guards only misuse). 'timedOut' and
     * 'cancelReason' are read without the CAS as a fast path; the CAS decides.
     *
     * Owner-only fields ('closed', 'reported', 'cancelledByOwner', 'ownerForks') are plain:
     * only the owner thread reads or writes them. 'closedFlag' is the volatile copy fork reads
     * from children.
     */

    private static final VarHandle LIVE;
    private static final VarHandle HEAD;
    private static final VarHandle CANCEL_REASON;
    private static final VarHandle FIRST_OUTCOME;
    private static final VarHandle TIMED_OUT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            LIVE = lookup.findVarHandle(TaskScope.class, "live", int.class);
            HEAD = lookup.findVarHandle(TaskScope.class, "head", ScopedTask.class);
            CANCEL_REASON = lookup.findVarHandle(TaskScope.class, "cancelReason", int.class);
            FIRST_OUTCOME = lookup.findVarHandle(TaskScope.class, "firstOutcome", Object.class);
            TIMED_OUT = lookup.findVarHandle(TaskScope.class, "timedOut", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int NOT_CANCELLED = 0;
    private static final int BY_FAILURE = 1;
    private static final int BY_TIMEOUT = 2;
    private static final int BY_CANCEL = 3;
    private static final int BY_CLOSE = 4;
    private static final int BY_PARENT = 5;

    private static final Object TIMEOUT = new Object();
    /** How long the owner yields before it first blocks in a wait (thread-per-task mode). */
    static final long SPIN_NANOS = 20_000;
    /** Above this many forks by the owner since its last wait, it blocks at once (see notes). */
    static final int SPIN_MAX_FORKS = 64;
    private static final ThreadFactory VIRTUAL =
            VirtualThreads.available() ? VirtualThreads.unnamedVirtualThreadFactory() : null; // unnamed: cheaper

    private final String name;
    private final FailurePolicy policy;
    final MDCAdapter mdc;                        // null when MDC propagation is off
    private final Thread owner;
    private final ScopedTask<?> parentTask;
    private final ThreadFactory threadFactory;   // thread-per-task mode, or null
    final boolean threadPerTask;                 // threadFactory != null
    private final Executor executor;             // executor mode, or null
    private final Ticker ticker;
    private final boolean hasDeadline;
    private final long deadline;                 // ticker nanos
    private final String deadlineText;

    private volatile int live;
    private volatile ScopedTask<?> head;
    private volatile int cancelReason;
    private volatile Object firstOutcome;
    private volatile boolean timedOut;
    private final Queue<Throwable> laterFailures = new ConcurrentLinkedQueue<>();
    private volatile Thread joinWaiter;
    private volatile boolean closedFlag;
    private boolean closed;
    private ScopedTask<?> waitedHead;            // thread-per-task mode: this task and older ones were waited for
    private boolean cancelledByOwner;
    private boolean reported;
    private int ownerForks;                      // owner-only: forks by the owner since its last wait

    private TaskScope(Builder b) {
        this.name = b.name;
        this.policy = b.policy;
        this.mdc = !b.propagateMdc ? null : b.mdcAdapter != null ? b.mdcAdapter : MDC.getMDCAdapter();
        this.owner = Thread.currentThread();
        this.ticker = Ticker.system();
        long now = ticker.read();
        long budget = Long.MAX_VALUE;
        String text = null;
        if (b.timeout != null) {
            budget = saturatedNanos(b.timeout);
            text = "timeout " + b.timeout;
        }
        if (b.deadline != null) {
            long untilDeadline = saturatedNanos(Duration.between(Instant.now(), b.deadline));
            if (untilDeadline < budget) {
                budget = untilDeadline;
                text = "deadline " + b.deadline;
            }
        }
        this.hasDeadline = text != null;
        this.deadline = hasDeadline ? now + Math.max(budget, 0) : 0;
        this.deadlineText = text;
        if (b.executor != null) {
            this.executor = b.executor;
            this.threadFactory = null;
        } else if (b.threadFactory != null) {
            this.executor = null;
            this.threadFactory = b.threadFactory;
        } else if (VIRTUAL != null) {
            this.executor = null;
            this.threadFactory = VIRTUAL;
        } else {
            this.executor = SharedPool.EXECUTOR;
            this.threadFactory = null;
        }
        this.threadPerTask = threadFactory != null;
        ScopedTask<?> enclosing = ScopedTask.CURRENT.get();
        this.parentTask = enclosing;
        if (enclosing != null) {
            enclosing.addNested(this);
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE / 4;
        }
    }

    /**
     * Opens a fail-fast scope with no deadline, owned by the calling thread.
     *
     * @return the new scope
     */
    public static TaskScope open() {
        return new Builder().open();
    }

    /**
     * Opens a fail-fast scope that times out {@code timeout} after now, owned by the calling
     * thread.
     *
     * @param timeout how long the children may run, counted from now
     * @return the new scope
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static TaskScope open(Duration timeout) {
        return new Builder().timeout(timeout).open();
    }

    /**
     * A builder for a scope with a deadline, failure policy, threads, name or MDC setting of
     * its own.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    String name() {
        return name;
    }

    // ================================================================ fork

    /**
     * Starts {@code callable} as a child of this scope.
     *
     * <p>If the scope is already cancelling (a sibling failed, the deadline passed, the
     * enclosing scope was cancelled, or a child called {@link #cancel()}), the returned task is
     * already cancelled and never starts.
     *
     * @param callable the work; it may throw, and should end promptly when interrupted
     * @param <T> the type of its value
     * @return the child task
     * @throws NullPointerException if {@code callable} is null
     * @throws IllegalStateException if the scope is closed, if the owner itself cancelled it,
     *     or if the calling thread is neither the owner nor inside one of the scope's children
     * @throws java.util.concurrent.RejectedExecutionException if the executor refuses the task
     *     (the task is then cancelled and the scope stays usable)
     */
    public <T> Task<T> fork(Callable<? extends T> callable) {
        return fork(callable, false);
    }

    /**
     * Starts {@code callable} as a shielded child: the scope never cancels it (timeout, a
     * sibling's failure, {@link #cancel()}, an enclosing scope's cancellation), only its own
     * {@link Task#cancel(boolean)} does. The scope still waits for it and its result stays
     * readable after a timeout. A shielded fork starts even when the scope is already
     * cancelling.
     *
     * @param callable the work
     * @param <T> the type of its value
     * @return the shielded child task
     * @throws NullPointerException if {@code callable} is null
     * @throws IllegalStateException as for {@link #fork(Callable)}
     * @throws java.util.concurrent.RejectedExecutionException as for {@link #fork(Callable)}
     */
    public <T> Task<T> forkShielded(Callable<? extends T> callable) {
        return fork(callable, true);
    }

    private <T> Task<T> fork(Callable<? extends T> callable, boolean shielded) {
        Objects.requireNonNull(callable, "callable");
        Thread me = Thread.currentThread();
        if (me == owner) {
            if (closed) {
                throw new IllegalStateException("fork on scope '" + name + "' after close()");
            }
            if (cancelledByOwner) {
                throw new IllegalStateException("fork on scope '" + name + "' after its owner called cancel()");
            }
            reported = false;
            ownerForks++;
        } else {
            if (!isInside()) {
                throw new IllegalStateException("fork on scope '" + name + "' from thread '" + me.getName()
                        + "', which is neither its owner '" + owner.getName() + "' nor inside one of its tasks");
            }
            if (closedFlag) {
                throw new IllegalStateException("fork on scope '" + name + "' after close()");
            }
        }
        if (!shielded) {
            if (hasDeadline && cancelReason == NOT_CANCELLED && ticker.read() - deadline >= 0) {
                timeOut();
            }
            if (cancelReason != NOT_CANCELLED) {
                return ScopedTask.cancelledAtFork(this, false);
            }
        }
        Map<String, String> context = mdc == null ? null : mdc.getCopyOfContextMap();
        ScopedTask<T> task = new ScopedTask<>(this, callable, shielded, context, threadPerTask);
        Thread thread = null;
        if (threadPerTask) {
            // Made before the push, so that a join walking the list finds it (published by the CAS).
            thread = threadFactory.newThread(task);
            if (thread == null) {
                throw new java.util.concurrent.RejectedExecutionException(
                        "the thread factory of scope '" + name + "' returned null");
            }
            task.thread = thread;
        }
        if (!threadPerTask) {
            LIVE.getAndAdd(this, 1); // thread-per-task mode counts nothing: join walks the threads
        }
        ScopedTask<?> h;
        do {
            h = head;
            task.next = h;
        } while (!HEAD.compareAndSet(this, h, task));
        if (!shielded && cancelReason != NOT_CANCELLED) {
            task.cancelByScope(); // raced a cancellation whose walk may have missed this task
            if (task.isDone()) {
                return task; // cancelled before it started: its thread never starts
            }
        }
        try {
            if (thread != null) {
                thread.start();
            } else {
                executor.execute(task);
            }
        } catch (RuntimeException | Error e) {
            task.cancel(false); // never started: cancelled, accounted, nothing leaks
            throw e;
        }
        return task;
    }

    private boolean isInside() {
        for (ScopedTask<?> t = ScopedTask.CURRENT.get(); t != null; t = t.scope.parentTask) {
            if (t.scope == this) {
                return true;
            }
        }
        return false;
    }

    // ================================================================ join / cancel / close

    /**
     * Waits until no child of this scope is running (shielded and interrupt-deaf ones
     * included), then reports the outcome: throws {@link TaskFailedException} if a child failed
     * under {@link FailurePolicy#FAIL_FAST}, {@link ScopeTimeoutException} if the deadline
     * passed while children ran; whichever came first, the other suppressed. After {@code join}
     * every task's outcome is final. May be called again, for instance after an interrupt or
     * after more forks.
     *
     * <p>If the deadline passes while waiting, the non-shielded children are cancelled and the
     * wait goes on until they have ended.
     *
     * @throws InterruptedException if the owner is interrupted while waiting (the children are
     *     left running; join again, or close, which cancels them)
     * @throws TaskFailedException if a child failed (fail-fast)
     * @throws ScopeTimeoutException if the scope timed out
     * @throws IllegalStateException if called from a thread other than the owner, or after close
     */
    public void join() throws InterruptedException {
        checkOwner("join()");
        if (closed) {
            throw new IllegalStateException("join() on scope '" + name + "' after close()");
        }
        if (Thread.interrupted()) {
            throw new InterruptedException(); // like every interruptible JDK wait, even with nothing to wait for
        }
        awaitChildren(true);
        reported = true;
        ScopeException outcome = outcomeException();
        if (outcome != null) {
            throw outcome;
        }
    }

    /**
     * Cancels every non-shielded child: a child not yet started never runs, a running one is
     * interrupted (and so are the children of scopes it opened). Later forks return tasks that
     * are already cancelled, except that after its own {@code cancel()} the owner's forks throw
     * {@link IllegalStateException} (forking after cancelling is a programming error; a child's
     * {@code cancel()} is a race the owner cannot see coming). Does not
     * wait: {@link #join()} or {@link #close()} does. Cancelling is not a failure: {@code join}
     * does not throw because of it. Idempotent; callable from any thread.
     */
    public void cancel() {
        if (Thread.currentThread() == owner) {
            cancelledByOwner = true; // owner-only field: a child's cancel() makes later forks cancelled, not errors
        }
        cancelAll(BY_CANCEL);
    }

    /**
     * Ends the scope: cancels children still running (non-shielded ones), waits until every
     * child has finished (and, with virtual threads or a thread factory, its thread has
     * ended; a pooled thread returns to its pool), then, if no {@link #join()} reported it,
     * throws the scope's failure or timeout. Idempotent.
     *
     * <p>The wait is not interruptible (no child may outlive the scope): an interrupt during it
     * is remembered and the interrupt flag is set again before {@code close} returns. A child
     * that ignores interrupts delays {@code close} until it ends.
     *
     * @throws TaskFailedException if a child failed and no join reported it (fail-fast)
     * @throws ScopeTimeoutException if the scope timed out and no join reported it
     * @throws IllegalStateException if called from a thread other than the owner
     */
    @Override
    public void close() {
        checkOwner("close()");
        if (closed) {
            return;
        }
        if (threadPerTask ? head != waitedHead : live != 0) {
            if (hasDeadline && ticker.read() - deadline >= 0) {
                timeOutIfPending();
            }
            cancelAll(BY_CLOSE);
        }
        boolean interrupted;
        try {
            interrupted = awaitChildren(false);
        } catch (InterruptedException e) {
            throw new AssertionError("uninterruptible wait threw", e);
        }
        closed = true;
        closedFlag = true;
        interrupted |= joinThreads();
        ScopedTask<?> enclosing = parentTask;
        if (enclosing != null) {
            enclosing.removeNested(this);
        }
        head = null; // the scope no longer needs its tasks; the caller may still hold them
        waitedHead = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!reported) {
            reported = true;
            ScopeException outcome = outcomeException();
            if (outcome != null) {
                throw outcome;
            }
        }
    }

    private void checkOwner(String operation) {
        Thread me = Thread.currentThread();
        if (me != owner) {
            throw new IllegalStateException(operation + " on scope '" + name + "' from thread '" + me.getName()
                    + "'; only its owner thread '" + owner.getName() + "' may call it");
        }
    }

    /**
     * Waits until no child runs: in thread-per-task mode by joining the children's threads,
     * otherwise for live == 0. Returns whether an uninterruptible wait was interrupted.
     */
    private boolean awaitChildren(boolean interruptible) throws InterruptedException {
        if (threadPerTask) {
            boolean spin = ownerForks <= SPIN_MAX_FORKS;
            ownerForks = 0;
            return awaitThreads(interruptible, spin);
        }
        if (live == 0) {
            return false;
        }
        boolean interrupted = false;
        boolean watchDeadline = hasDeadline;
        joinWaiter = Thread.currentThread();
        try {
            while (live != 0) {
                if (watchDeadline && !timedOut) {
                    long left = deadline - ticker.read();
                    if (left <= 0) {
                        timeOutIfPending();
                        watchDeadline = false; // timed out, or every outcome was already decided
                        continue;
                    }
                    LockSupport.parkNanos(this, left);
                } else {
                    LockSupport.park(this);
                }
                if (Thread.interrupted()) {
                    if (interruptible) {
                        throw new InterruptedException();
                    }
                    interrupted = true;
                }
            }
        } finally {
            joinWaiter = null;
        }
        return interrupted;
    }

    /**
     * Thread-per-task mode: waits for every child by joining its thread, newest first. The
     * newest child is the likeliest to finish last, so the owner usually blocks once and finds
     * the older ones ended. Then it reads 'head' again: tasks that children forked meanwhile
     * were pushed above the part already waited for, and are walked the same way, until the
     * list stops growing (no child runs, so none can fork). A task whose forking child had not
     * started its thread yet when the walk reached it (join of an unstarted thread returns at
     * once; the task is still NEW) is waited for through its listener, then its thread joined.
     * 'waitedHead' (owner-only) remembers the part of the list already waited for across calls.
     */
    private boolean awaitThreads(boolean interruptible, boolean spin) throws InterruptedException {
        boolean interrupted = false;
        boolean watchDeadline = hasDeadline;
        ScopedTask<?> seen = waitedHead;
        boolean spun = !spin;
        for (ScopedTask<?> top = head; top != seen; top = head) { // volatile read: publishes each task's thread
            for (ScopedTask<?> t = top; t != seen; t = t.next) {
                Thread thread = t.thread;
                for (;;) {
                    long nanos = 0; // 0: block untimed
                    if (watchDeadline && !timedOut) {
                        nanos = deadline - ticker.read();
                        if (nanos <= 0) {
                            timeOutIfPending();
                            watchDeadline = false; // timed out, or every outcome was already decided
                            continue;
                        }
                    }
                    if (!spun && thread.isAlive()) {
                        spun = true;
                        yieldWhileAlive(thread, nanos);
                    }
                    if (thread.isAlive()) {
                        try {
                            if (nanos == 0) {
                                thread.join();
                            } else {
                                thread.join(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
                            }
                        } catch (InterruptedException e) {
                            if (interruptible) {
                                throw e;
                            }
                            interrupted = true;
                        }
                    } else if (t.notStarted()) {
                        // A child forked it and has not started its thread yet: wait for its outcome.
                        if (t.addListener(Thread.currentThread())) {
                            if (nanos == 0) {
                                LockSupport.park(this);
                            } else {
                                LockSupport.parkNanos(this, nanos);
                            }
                            if (Thread.interrupted()) {
                                if (interruptible) {
                                    throw new InterruptedException();
                                }
                                interrupted = true;
                            }
                        }
                    } else {
                        break; // its thread ran the task and ended, or the task was cancelled unstarted
                    }
                }
            }
            seen = top;
        }
        waitedHead = seen;
        return interrupted;
    }

    /**
     * Before its first block in a wait, the owner yields for up to {@link #SPIN_NANOS} (never
     * past the deadline: {@code limit} nanoseconds, 0 for none) while the newest child's thread
     * is alive: a child that ends meanwhile spares the owner a park and the child an unpark.
     */
    private static void yieldWhileAlive(Thread thread, long limit) {
        long until = System.nanoTime() + (limit == 0 ? SPIN_NANOS : Math.min(limit, SPIN_NANOS));
        while (thread.isAlive() && System.nanoTime() - until < 0) {
            Thread.yield();
        }
    }

    /** Joins the threads of the children (thread-per-task mode). */
    private boolean joinThreads() {
        boolean interrupted = false;
        if (threadFactory != null) {
            for (ScopedTask<?> t = head; t != null; t = t.next) {
                Thread thread = t.thread;
                if (thread != null && thread.isAlive()) {
                    interrupted |= awaitExit(thread);
                }
            }
        }
        return interrupted;
    }

    /**
     * Waits for the thread of a child whose callable has ended (it left the live count) to
     * terminate. It is a few instructions from its end, so spin and yield a little before
     * parking: a park here would cost the owner a second context switch per scope.
     */
    private static boolean awaitExit(Thread thread) {
        for (int spins = 0; spins < 128 && thread.isAlive(); spins++) {
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        return thread.isAlive() && joinUninterruptibly(thread);
    }

    static boolean joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        for (;;) {
            try {
                thread.join();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    // ================================================================ the children's side

    void childDone() {
        if (threadPerTask) {
            return; // not counted: join and close walk the threads
        }
        if ((int) LIVE.getAndAdd(this, -1) == 1) {
            Thread waiter = joinWaiter;
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
    }

    void childFailed(Throwable failure) {
        if (policy == FailurePolicy.SUPERVISE) {
            return;
        }
        if (FIRST_OUTCOME.compareAndSet(this, null, failure)) {
            cancelAll(BY_FAILURE);
        } else {
            laterFailures.add(failure);
        }
    }

    void cancelFromParent() {
        cancelAll(BY_PARENT);
    }

    private void cancelAll(int reason) {
        if (!CANCEL_REASON.compareAndSet(this, NOT_CANCELLED, reason)) {
            return; // another thread walks (or walked) the tasks; later forks see the reason
        }
        for (ScopedTask<?> t = head; t != null; t = t.next) {
            t.cancelByScope();
        }
    }

    private void timeOut() {
        if (TIMED_OUT.compareAndSet(this, false, true)) {
            FIRST_OUTCOME.compareAndSet(this, null, TIMEOUT);
            cancelAll(BY_TIMEOUT);
        }
    }

    /**
     * Times the scope out if a task has not ended: its outcome is still undecided, or its
     * callable still runs after a {@link Task#cancel(boolean)} decided the outcome (the scope
     * waits for that callable, so the deadline must interrupt it). A deadline that passes after
     * every child already ended is not a timeout, even if a finished child's thread is still
     * returning (its outcome is decided before it leaves the live count). Called by waiters
     * past the deadline; walks the tasks once.
     *
     * @return whether the scope has timed out
     */
    private boolean timeOutIfPending() {
        if (!timedOut) {
            for (ScopedTask<?> t = head; t != null; t = t.next) {
                if (!t.hasEnded()) {
                    timeOut();
                    break;
                }
            }
        }
        return timedOut;
    }

    /**
     * Parks the calling thread until unparked or until the deadline; past the deadline, with a
     * task still undecided, the scope times out and this throws.
     */
    void parkUntilDeadline(Object blocker) {
        if (hasDeadline) {
            long left = deadline - ticker.read();
            if (left > 0) {
                LockSupport.parkNanos(blocker, left);
                return;
            }
            if (timeOutIfPending()) {
                throw timeoutException();
            }
            // every outcome is decided: the awaited completion is on its way to the queue
        }
        LockSupport.park(blocker);
    }

    private ScopeTimeoutException timeoutException() {
        return new ScopeTimeoutException("scope '" + name + "' passed its " + deadlineText);
    }

    /** The exception join or close reports, or null. Called with no child running. */
    private ScopeException outcomeException() {
        Object first = firstOutcome;
        ScopeException e;
        if (first == null) {
            return null;
        } else if (first == TIMEOUT) {
            e = timeoutException();
        } else {
            Throwable failure = (Throwable) first;
            e = new TaskFailedException("a task of scope '" + name + "' failed: " + failure, failure);
            if (timedOut) {
                e.addSuppressed(timeoutException());
            }
        }
        for (Throwable later : laterFailures) {
            e.addSuppressed(later);
        }
        return e;
    }

    // ================================================================ waiting on tasks

    /**
     * Waits for every given task and returns their values in the order given. Throws as soon
     * as one of them fails (in a fail-fast scope the failure has already cancelled the rest).
     *
     * @param tasks tasks of this scope
     * @param <T> the type of their values
     * @return the values, in the order of {@code tasks} (an unmodifiable list; values may be null)
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if one of the tasks failed (cause: its exception), or was
     *     cancelled because a sibling failed
     * @throws ScopeTimeoutException if the deadline passes first (the scope then cancels its
     *     non-shielded children), or one of the tasks was cancelled by the timeout
     * @throws CancellationException if one of the tasks was cancelled otherwise
     * @throws NullPointerException if {@code tasks} or one of its elements is null
     * @throws IllegalArgumentException if a task belongs to another scope
     */
    public <T> List<T> gather(List<? extends Task<? extends T>> tasks) throws InterruptedException {
        List<ScopedTask<?>> mine = own(tasks, "gather");
        if (mine.isEmpty()) {
            return List.of();
        }
        CompletionQueue queue = new CompletionQueue();
        queue.watch(mine);
        for (int remaining = mine.size(); remaining > 0; remaining--) {
            ScopedTask<?> done = queue.take(this);
            int state = done.outcomeState();
            if (state == ScopedTask.FAILED) {
                throw new TaskFailedException("a task of scope '" + name + "' failed: " + done.failure(),
                        done.failure());
            } else if (state == ScopedTask.CANCELLED) {
                throw cancelledException();
            }
        }
        List<T> values = new ArrayList<>(mine.size());
        for (ScopedTask<?> t : mine) {
            @SuppressWarnings("unchecked")
            T value = (T) t.value();
            values.add(value);
        }
        return Collections.unmodifiableList(values);
    }

    private RuntimeException cancelledException() {
        Object first = firstOutcome;
        if (first instanceof Throwable) {
            Throwable failure = (Throwable) first;
            return new TaskFailedException("a task of scope '" + name + "' failed: " + failure, failure);
        }
        if (first == TIMEOUT) {
            return timeoutException();
        }
        return new CancellationException("a task of scope '" + name + "' was cancelled");
    }

    /**
     * Waits for every given task and returns every outcome, in the order given; never throws
     * for a task's failure or cancellation (asyncio's {@code return_exceptions=True}).
     *
     * @param tasks tasks of this scope
     * @param <T> the type of their values
     * @return the outcomes, in the order of {@code tasks} (an unmodifiable list)
     * @throws InterruptedException if interrupted while waiting
     * @throws ScopeTimeoutException if the deadline passes first (the scope then cancels its
     *     non-shielded children)
     * @throws NullPointerException if {@code tasks} or one of its elements is null
     * @throws IllegalArgumentException if a task belongs to another scope
     */
    public <T> List<Outcome<T>> settle(List<? extends Task<? extends T>> tasks) throws InterruptedException {
        List<ScopedTask<?>> mine = own(tasks, "settle");
        CompletionQueue queue = new CompletionQueue();
        queue.watch(mine);
        for (int remaining = mine.size(); remaining > 0; remaining--) {
            queue.take(this);
        }
        List<Outcome<T>> outcomes = new ArrayList<>(mine.size());
        for (ScopedTask<?> t : mine) {
            @SuppressWarnings("unchecked")
            Outcome<T> outcome = (Outcome<T>) t.outcome();
            outcomes.add(outcome);
        }
        return Collections.unmodifiableList(outcomes);
    }

    /**
     * The given tasks in the order they finish. {@code next()} blocks until the next one
     * finishes; past the scope's deadline the scope cancels what is left and {@code next()}
     * throws {@link ScopeTimeoutException}. Each call of {@code iterator()} starts a new
     * iteration over all the tasks; each iterator is for one thread.
     *
     * <pre>{@code
     * for (Task<Page> page : scope.asCompleted(fetches)) {
     *     if (page.status() == Task.Status.SUCCESS) index(page.resultNow());
     * }
     * }</pre>
     *
     * <p>If the thread waiting in {@code next()} is interrupted, {@code next()} sets the interrupt
     * flag again and throws a {@link ScopeException} whose cause is the
     * {@link InterruptedException}.
     *
     * @param tasks tasks of this scope
     * @param <T> the type of their values
     * @return the tasks, in completion order
     * @throws NullPointerException if {@code tasks} or one of its elements is null
     * @throws IllegalArgumentException if a task belongs to another scope
     */
    public <T> Iterable<Task<T>> asCompleted(List<? extends Task<? extends T>> tasks) {
        List<ScopedTask<?>> mine = own(tasks, "asCompleted");
        return () -> new Iterator<>() {
            private final CompletionQueue queue = new CompletionQueue();
            private int remaining = mine.size();
            {
                queue.watch(mine);
            }

            @Override
            public boolean hasNext() {
                return remaining > 0;
            }

            @Override
            @SuppressWarnings("unchecked")
            public Task<T> next() {
                if (remaining == 0) {
                    throw new NoSuchElementException("every task of this iteration was returned");
                }
                try {
                    ScopedTask<?> done = queue.take(TaskScope.this);
                    remaining--;
                    return (Task<T>) done;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ScopeException("interrupted while waiting for a task of scope '" + name + "'", e);
                }
            }
        };
    }

    /**
     * Waits for the first of the given tasks to succeed, cancels the others (shielded ones
     * excepted) and returns its value. Failures do not end the race, but in a
     * {@link FailurePolicy#FAIL_FAST} scope the first failure cancels every sibling, so race in a
     * {@link FailurePolicy#SUPERVISE} scope (as {@link Tasks#race(List)} does). Does not wait
     * for the losers to end: {@link #join()} and {@link #close()} do.
     *
     * @param tasks tasks of this scope, at least one
     * @param <T> the type of their values
     * @return the value of the first task to succeed
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if no task succeeded and at least one failed: cause is the first
     *     failure, the others are suppressed
     * @throws CancellationException if every task was cancelled
     * @throws ScopeTimeoutException if the deadline passes first
     * @throws NullPointerException if {@code tasks} or one of its elements is null
     * @throws IllegalArgumentException if {@code tasks} is empty, or a task belongs to another scope
     */
    public <T> T race(List<? extends Task<? extends T>> tasks) throws InterruptedException {
        List<ScopedTask<?>> mine = own(tasks, "race");
        if (mine.isEmpty()) {
            throw new IllegalArgumentException("race of no tasks: it would have no winner");
        }
        CompletionQueue queue = new CompletionQueue();
        queue.watch(mine);
        TaskFailedException failed = null;
        for (int remaining = mine.size(); remaining > 0; remaining--) {
            ScopedTask<?> done = queue.take(this);
            int state = done.outcomeState();
            if (state == ScopedTask.SUCCESS) {
                for (ScopedTask<?> t : mine) {
                    if (t != done) {
                        t.cancelByScope();
                    }
                }
                @SuppressWarnings("unchecked")
                T value = (T) done.value();
                return value;
            } else if (state == ScopedTask.FAILED) {
                if (failed == null) {
                    failed = new TaskFailedException("every task of the race on scope '" + name
                            + "' failed or was cancelled; first failure: " + done.failure(), done.failure());
                } else {
                    failed.addSuppressed(done.failure());
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        throw new CancellationException("every task of the race on scope '" + name + "' was cancelled");
    }

    private List<ScopedTask<?>> own(List<? extends Task<?>> tasks, String operation) {
        Objects.requireNonNull(tasks, "tasks");
        List<ScopedTask<?>> mine = new ArrayList<>(tasks.size());
        int i = 0;
        for (Task<?> task : tasks) {
            if (task == null) {
                throw new NullPointerException(operation + ": task " + i + " is null");
            }
            ScopedTask<?> t = (ScopedTask<?>) task;
            if (t.scope != this) {
                throw new IllegalArgumentException(operation + ": task " + i + " (" + t + ") belongs to scope '"
                        + t.scope.name + "', not to scope '" + name + "'");
            }
            mine.add(t);
            i++;
        }
        return mine;
    }

    @Override
    public String toString() {
        return "TaskScope[" + name + ", " + policy + (threadPerTask ? "" : ", live=" + live)
                + (cancelReason != NOT_CANCELLED ? ", cancelled" : "") + (closedFlag ? ", closed" : "") + "]";
    }

    // ================================================================ shared pool (JDK 17 default)

    /**
     * The library's pool for scopes without virtual threads: unbounded (a new thread whenever no
     * idle worker is looking for work, so no child waits behind a blocked one), daemon threads
     * named {@code braid-scope-worker-n} that end after 30 s idle, one of them polling for 20 µs
     * before it parks. Shared by every scope, so warm threads are reused across scopes; created
     * on first use (never on JDK 21+ by default).
     */
    private static final class SharedPool {
        static final Executor EXECUTOR = new WorkerPool(
                VirtualThreads.platformThreadFactory(WORKER_PREFIX, true),
                TimeUnit.SECONDS.toNanos(30),
                Runtime.getRuntime().availableProcessors() > 1 ? TimeUnit.MICROSECONDS.toNanos(20) : 0);
    }

    /** The name prefix of the shared pool's threads (tests recognise idle workers by it). */
    static final String WORKER_PREFIX = "braid-scope-worker-";

    // ================================================================ builder

    /**
     * Configures a {@link TaskScope}. Not thread-safe; one builder may open many scopes.
     *
     * <pre>{@code
     * try (TaskScope scope = TaskScope.builder()
     *         .name("checkout")
     *         .timeout(Duration.ofSeconds(2))
     *         .failurePolicy(FailurePolicy.SUPERVISE)
     *         .executor(sharedPool)            // JDK 17: share warm threads between scopes
     *         .open()) {
     *     ...
     * }
     * }</pre>
     */
    public static final class Builder {
        private Duration timeout;
        private Instant deadline;
        private FailurePolicy policy = FailurePolicy.FAIL_FAST;
        private ThreadFactory threadFactory;
        private Executor executor;
        private String name = "scope";
        private boolean propagateMdc = true;
        MDCAdapter mdcAdapter; // tests: slf4j-simple's MDC is a no-op

        private Builder() {
        }

        /**
         * Times the scope out {@code timeout} after it opens. With a {@link #deadline(Instant)}
         * too, the earlier of the two applies.
         *
         * @param timeout how long the children may run, counted from {@link #open()}
         * @return this builder
         * @throws NullPointerException if {@code timeout} is null
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Times the scope out at a wall-clock instant (converted to a monotonic deadline when
         * the scope opens). A deadline already past makes a scope whose forks are cancelled at
         * once. With a {@link #timeout(Duration)} too, the earlier of the two applies.
         *
         * @param deadline when the children must have finished
         * @return this builder
         * @throws NullPointerException if {@code deadline} is null
         */
        public Builder deadline(Instant deadline) {
            this.deadline = Objects.requireNonNull(deadline, "deadline");
            return this;
        }

        /**
         * What a child's failure does; {@link FailurePolicy#FAIL_FAST} by default.
         *
         * @param policy the failure policy
         * @return this builder
         * @throws NullPointerException if {@code policy} is null
         */
        public Builder failurePolicy(FailurePolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Runs each child on a new thread from {@code factory} (replacing an
         * {@link #executor(Executor)} set before); {@link #close()} joins these threads.
         *
         * @param factory the thread factory; it must return an unstarted thread
         * @return this builder
         * @throws NullPointerException if {@code factory} is null
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "factory");
            this.executor = null;
            return this;
        }

        /**
         * Runs each child as a {@code Runnable} on {@code executor} (replacing a
         * {@link #threadFactory(ThreadFactory)} set before). The scope waits for its children,
         * not for the executor's threads, and never shuts the executor down. Cancellation
         * interrupts the thread running the child only while it runs the child; the interrupt
         * is cleared before that thread returns to the executor. The executor must run every
         * task it accepts (or reject it at {@code execute}), or the scope waits forever.
         *
         * @param executor the executor
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            this.threadFactory = null;
            return this;
        }

        /**
         * Names the scope in exception messages and {@code toString()}.
         *
         * @param name the name
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Whether a child sees the SLF4J MDC of the thread that forked it; on by default.
         *
         * @param propagate {@code false} to leave the child's MDC alone
         * @return this builder
         */
        public Builder propagateMdc(boolean propagate) {
            this.propagateMdc = propagate;
            return this;
        }

        /**
         * Opens the scope, owned by the calling thread. Opened inside a child of another scope,
         * it is cancelled when that child is cancelled.
         *
         * @return the new scope
         */
        public TaskScope open() {
            return new TaskScope(this);
        }
    }
}
