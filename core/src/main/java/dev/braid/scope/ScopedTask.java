package dev.braid.scope;

import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedByInterruptException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.spi.MDCAdapter;

/**
 * The one implementation of {@link Task}: the task's state machine, its run wrapper, and the
 * list of whoever waits for its outcome.
 */
final class ScopedTask<T> implements Task<T>, Runnable {

    /*
     * Implementation notes
     *
     * State. One int, read and written through STATE:
     *   NEW -> RUNNING -> SUCCESS | FAILED | CANCELLED     (the run wrapper)
     *   NEW -> CANCELLED                                    (cancelled before it started)
     *   RUNNING -> CANCELLED|STILL_RUNNING -> CANCELLED     (Task.cancel, then the run wrapper)
     * plus the INTERRUPTING bit, set while a canceller interrupts the runner. STILL_RUNNING says
     * that Task.cancel decided the outcome while the callable still runs: a later scope
     * cancellation must still interrupt it (the scope waits for that callable), so it may take
     * INTERRUPTING from that state too, and the wrapper clears the bit by CAS (spinning while
     * INTERRUPTING is held) exactly as it leaves RUNNING. Every transition
     * is a CAS (volatile semantics), so exactly one party decides the outcome, and the writes
     * of 'result' made before the deciding CAS are published to anyone who reads the final
     * state (the CAS is a release, the volatile read of state an acquire).
     *
     * Interrupt hand-off. A canceller may interrupt the runner only while the state is RUNNING
     * and only with the INTERRUPTING bit held (CAS RUNNING -> RUNNING|INTERRUPTING, or
     * RUNNING -> CANCELLED|INTERRUPTING for Task.cancel). The run wrapper, before it leaves,
     * spins while the bit is set (the holder only reads a field and calls Thread.interrupt).
     * So an interrupt aimed at this task can never land on the next task a pooled thread
     * runs; the wrapper then clears the interrupt it was sent (FutureTask's
     * handlePossibleCancellationInterrupt, plus the clearing).
     *
     * Accounting (executor mode; thread-per-task scopes join threads and count nothing, so
     * the run wrapper does not call childDone there). The scope's live count was incremented
     * by fork; it is decremented exactly once: by whoever moves the task NEW -> CANCELLED, or
     * by the run wrapper after the callable ended (whether or not a Task.cancel decided the
     * outcome earlier), because the scope must wait for a callable that is still running.
     *
     * Listeners. 'listeners' is a Treiber stack of Node (a parked Thread to unpark or a
     * CompletionQueue to add to), replaced by DONE when the outcome is decided; a listener
     * that finds DONE fires itself. getAndSet/CAS give the ordering: a node is either pushed
     * before the swap (and fired by the completer) or sees DONE (and fires itself).
     *
     * Staying off the scope's cache line. In thread-per-task mode the owner CASes the scope's
     * 'head' at every fork, so the line holding it (and the scope's other fields) keeps moving
     * to the owner's core. A child that read scope.threadPerTask, scope.mdc or called
     * scope.childDone() in its wrapper pulled that line back, once per child: with 1024 trivial
     * children on virtual threads that made fork+join about 1.7x slower than raw threads (see
     * BENCHMARKS.md). So the mode is copied into the final field 'ownThread' at fork, scope.mdc
     * is read only when there is a context to set or a pooled thread's context to put aside,
     * and a thread of its own skips childDone. The failure path (childFailed) still reads the
     * scope: it is rare and must.
     *
     * cancelRequested is written before the interrupt and read by the runner after its
     * callable threw: it tells "the scope cancelled me" (an interrupt-like exception means
     * cancelled) from "something else interrupted me" (a failure). A scope cancellation that
     * lands just as the callable threw an unrelated InterruptedException counts it as a
     * cancellation: a benign race, the callable was being cancelled anyway.
     */

    static final int NEW = 0;
    static final int RUNNING = 1;
    static final int SUCCESS = 2;
    static final int FAILED = 3;
    static final int CANCELLED = 4;
    static final int INTERRUPTING = 8;
    static final int STILL_RUNNING = 16;
    private static final int CANCELLED_RUNNING = CANCELLED | STILL_RUNNING;

    private static final VarHandle STATE;
    private static final VarHandle LISTENERS;
    private static final Object DONE = new Object();

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(ScopedTask.class, "state", int.class);
            LISTENERS = lookup.findVarHandle(ScopedTask.class, "listeners", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The task the current thread runs, for fork's containment check and nested scopes. */
    static final ThreadLocal<ScopedTask<?>> CURRENT = new ThreadLocal<>();

    final TaskScope scope;
    private final boolean shielded;
    private final boolean ownThread;          // thread-per-task mode: see "Staying off the scope's cache line"
    private Callable<? extends T> callable;   // cleared when the task ends
    private Map<String, String> mdc;          // the forker's MDC, or null
    private volatile int state;
    private Object result;                    // T or Throwable; published by the CAS on state
    private volatile Object listeners;
    private volatile Thread runner;           // the thread running the callable
    private volatile boolean cancelRequested;
    private volatile boolean interruptSent;
    private volatile NestedScopes nested;     // scopes opened inside this task (rare)
    Thread thread;                            // thread-per-task mode: joined by close
    ScopedTask<?> next;                       // the scope's list of tasks (immutable once pushed)

    ScopedTask(TaskScope scope, Callable<? extends T> callable, boolean shielded, Map<String, String> mdc,
            boolean ownThread) {
        this.scope = scope;
        this.callable = callable;
        this.shielded = shielded;
        this.mdc = mdc;
        this.ownThread = ownThread;
    }

    /** A task that was cancelled at fork: never runs, never counted. */
    static <T> ScopedTask<T> cancelledAtFork(TaskScope scope, boolean shielded) {
        ScopedTask<T> task = new ScopedTask<>(scope, null, shielded, null, false);
        task.state = CANCELLED;
        task.listeners = DONE;
        return task;
    }

    // ---------------------------------------------------------------- running

    @Override
    public void run() {
        Thread me = Thread.currentThread();
        runner = me; // volatile: visible to a canceller that sees RUNNING
        if (!STATE.compareAndSet(this, NEW, RUNNING)) {
            runner = null; // cancelled before it started: the canceller did the accounting
            return;
        }
        Callable<? extends T> work = callable;
        Map<String, String> context = mdc;
        boolean ownThread = this.ownThread;
        ScopedTask<?> outer = ownThread ? null : CURRENT.get(); // a new thread runs no outer task
        CURRENT.set(this);
        // MDC: the child sees exactly the forker's context. A pooled thread's own context is set
        // aside and put back; a thread of its own starts empty (or with the forker's inherited map).
        // A thread of its own with no context to set has nothing to swap: it does not read scope.mdc.
        Map<String, String> previousContext = null;
        MDCAdapter adapter = context != null || !ownThread ? scope.mdc : null;
        boolean swapContext = adapter != null;
        if (swapContext) {
            previousContext = adapter.getCopyOfContextMap();
            if (context != null) {
                adapter.setContextMap(context);
            } else if (previousContext != null) {
                adapter.clear();
            }
        }
        int outcome;
        Object value;
        try {
            value = work.call();
            outcome = SUCCESS;
        } catch (Throwable e) {
            value = e;
            outcome = cancelRequested && isInterruptLike(e) ? CANCELLED : FAILED;
        } finally {
            if (swapContext) {
                if (previousContext == null) {
                    adapter.clear();
                } else {
                    adapter.setContextMap(previousContext);
                }
            }
            if (outer != null) {
                CURRENT.set(outer); // an executor that runs tasks inline, inside another task
            } else if (!ownThread) {
                CURRENT.remove(); // a pooled thread: leave nothing behind
            } // a thread of its own ends with the task: its thread locals go with it
        }
        finish(outcome, value);
    }

    private void finish(int outcome, Object value) {
        callable = null;
        mdc = null;
        if (outcome != CANCELLED) {
            result = value; // plain: published by the CAS below
        }
        boolean decided = false;
        for (;;) {
            int s = state; // volatile read
            if ((s & INTERRUPTING) != 0) {
                Thread.onSpinWait(); // a canceller is inside Thread.interrupt: a few instructions
            } else if (s == RUNNING) {
                if (STATE.compareAndSet(this, RUNNING, outcome)) {
                    decided = true;
                    break;
                }
            } else if (s == CANCELLED_RUNNING) {
                if (STATE.compareAndSet(this, CANCELLED_RUNNING, CANCELLED)) {
                    break; // Task.cancel decided CANCELLED while the callable ran
                }
            } else {
                throw new AssertionError("run wrapper ends in state " + s);
            }
        }
        runner = null;
        if (interruptSent) {
            Thread.interrupted(); // the interrupt was for this task, not for the thread's next one
        }
        if (!decided) {
            result = null;
        } else {
            if (outcome == FAILED) {
                scope.childFailed((Throwable) value);
            }
            fireListeners();
        }
        if (!ownThread) {
            scope.childDone(); // thread-per-task mode counts nothing: close joins the thread
        }
    }

    static boolean isInterruptLike(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof InterruptedException || t instanceof CancellationException
                    || t instanceof InterruptedIOException || t instanceof ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- cancelling

    /** Cancellation by the scope (or a race): skips shielded tasks; the callable decides the outcome. */
    void cancelByScope() {
        if (shielded) {
            return;
        }
        cancelRequested = true; // volatile, before the interrupt and before reading 'nested'
        for (;;) {
            int s = state;
            if (s == NEW) {
                if (STATE.compareAndSet(this, NEW, CANCELLED)) {
                    callable = null;
                    mdc = null;
                    fireListeners();
                    scope.childDone();
                    return;
                }
            } else if (s == RUNNING || s == CANCELLED_RUNNING) {
                // CANCELLED_RUNNING: a Task.cancel(false) decided the outcome but the callable
                // still runs, and the scope waits for it: interrupt it all the same.
                if (STATE.compareAndSet(this, s, s | INTERRUPTING)) {
                    interruptRunner();
                    STATE.getAndBitwiseAnd(this, ~INTERRUPTING);
                    cancelNested();
                    return;
                }
            } else {
                return; // finished, or another canceller holds INTERRUPTING and interrupts it
            }
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        for (;;) {
            int s = state;
            if (s == NEW) {
                if (STATE.compareAndSet(this, NEW, CANCELLED)) {
                    callable = null;
                    mdc = null;
                    fireListeners();
                    scope.childDone();
                    return true;
                }
            } else if (s == RUNNING) {
                int target = mayInterruptIfRunning ? CANCELLED_RUNNING | INTERRUPTING : CANCELLED_RUNNING;
                if (STATE.compareAndSet(this, RUNNING, target)) {
                    if (mayInterruptIfRunning) {
                        cancelRequested = true;
                        interruptRunner();
                        STATE.getAndBitwiseAnd(this, ~INTERRUPTING);
                        cancelNested();
                    }
                    fireListeners();
                    return true;
                }
            } else if (s == (RUNNING | INTERRUPTING)) {
                Thread.onSpinWait(); // the scope is interrupting it; then decide
            } else {
                return false;
            }
        }
    }

    private void interruptRunner() {
        Thread r = runner;
        if (r != null) {
            interruptSent = true; // before the interrupt: the runner clears what it was sent
            r.interrupt();
        }
    }

    private void cancelNested() {
        for (NestedScopes n = nested; n != null; n = n.next) {
            n.scope.cancelFromParent();
        }
    }

    /** Called by the thread running this task when it opens a scope. */
    void addNested(TaskScope inner) {
        nested = new NestedScopes(inner, nested); // single writer: the task's own thread
        if (cancelRequested) {
            inner.cancelFromParent(); // cancelled before the scope was visible to the canceller
        }
    }

    /** Called by the thread running this task when a scope it opened closes. */
    void removeNested(TaskScope inner) {
        nested = NestedScopes.without(nested, inner);
    }

    private static final class NestedScopes {
        final TaskScope scope;
        final NestedScopes next;

        NestedScopes(TaskScope scope, NestedScopes next) {
            this.scope = scope;
            this.next = next;
        }

        static NestedScopes without(NestedScopes list, TaskScope scope) {
            if (list == null) {
                return null;
            }
            if (list.scope == scope) {
                return list.next;
            }
            NestedScopes rest = without(list.next, scope);
            return rest == list.next ? list : new NestedScopes(list.scope, rest);
        }
    }

    // ---------------------------------------------------------------- listeners

    /**
     * Registers a listener (a Thread to unpark or a CompletionQueue); returns false, without
     * registering, if the outcome is already decided.
     */
    boolean addListener(Object target) {
        Node node = null;
        for (;;) {
            Object head = listeners;
            if (head == DONE) {
                return false;
            }
            if (node == null) {
                node = new Node(target);
            }
            node.next = head;
            if (LISTENERS.compareAndSet(this, head, node)) {
                return true;
            }
        }
    }

    private void fireListeners() {
        Object head = LISTENERS.getAndSet(this, DONE);
        for (Object n = head; n instanceof Node; ) {
            Node node = (Node) n;
            if (node.target instanceof Thread) {
                LockSupport.unpark((Thread) node.target);
            } else {
                ((CompletionQueue) node.target).add(this);
            }
            n = node.next;
        }
    }

    private static final class Node {
        final Object target;
        Object next;

        Node(Object target) {
            this.target = target;
        }
    }

    // ---------------------------------------------------------------- reading

    /** Whether the run wrapper has not started (and the task was not cancelled either). */
    boolean notStarted() {
        return state == NEW;
    }

    /**
     * Whether the outcome is decided and no callable of this task still runs: false for a task
     * that Task.cancel decided while its callable runs (STILL_RUNNING), which its scope waits for.
     */
    boolean hasEnded() {
        int s = state & ~INTERRUPTING; // volatile read
        return s == SUCCESS || s == FAILED || s == CANCELLED;
    }

    /** The final state (without the INTERRUPTING and STILL_RUNNING bits), or RUNNING. */
    int outcomeState() {
        int s = state & ~(INTERRUPTING | STILL_RUNNING);
        return s == NEW ? RUNNING : s;
    }

    Throwable failure() {
        return (Throwable) result;
    }

    @SuppressWarnings("unchecked")
    T value() {
        return (T) result;
    }

    Outcome<T> outcome() {
        switch (outcomeState()) {
            case SUCCESS:
                return new Outcome.Success<>(value());
            case FAILED:
                return new Outcome.Failure<>(failure());
            case CANCELLED:
                return new Outcome.Cancelled<>();
            default:
                throw new IllegalStateException("task has not finished");
        }
    }

    @Override
    public boolean isShielded() {
        return shielded;
    }

    @Override
    public Status status() {
        switch (outcomeState()) {
            case SUCCESS:
                return Status.SUCCESS;
            case FAILED:
                return Status.FAILED;
            case CANCELLED:
                return Status.CANCELLED;
            default:
                return Status.RUNNING;
        }
    }

    @Override
    public boolean isCancelled() {
        return outcomeState() == CANCELLED;
    }

    @Override
    public boolean isDone() {
        return outcomeState() != RUNNING;
    }

    @Override
    public T resultNow() {
        switch (outcomeState()) {
            case SUCCESS:
                return value();
            case FAILED:
                throw new IllegalStateException("task failed: " + failure(), failure());
            case CANCELLED:
                throw new IllegalStateException("task was cancelled");
            default:
                throw new IllegalStateException("task has not finished");
        }
    }

    @Override
    public Throwable exceptionNow() {
        switch (outcomeState()) {
            case FAILED:
                return failure();
            case SUCCESS:
                throw new IllegalStateException("task succeeded with a value");
            case CANCELLED:
                throw new IllegalStateException("task was cancelled");
            default:
                throw new IllegalStateException("task has not finished");
        }
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            Thread me = Thread.currentThread();
            if (addListener(me)) {
                while (!isDone()) {
                    LockSupport.park(this);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            }
        }
        return report();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        long nanos = unit.toNanos(timeout);
        if (!isDone()) {
            if (nanos <= 0) {
                throw new TimeoutException("task has not finished");
            }
            long deadline = System.nanoTime() + nanos;
            if (addListener(Thread.currentThread())) {
                while (!isDone()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TimeoutException("task did not finish within " + timeout + " " + unit);
                    }
                    LockSupport.parkNanos(this, left);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            }
        }
        return report();
    }

    private T report() throws ExecutionException {
        switch (outcomeState()) {
            case SUCCESS:
                return value();
            case FAILED:
                throw new ExecutionException(failure());
            default:
                throw new CancellationException("task was cancelled");
        }
    }

    @Override
    public String toString() {
        return "Task[" + status() + (shielded ? ", shielded" : "") + ", scope=" + scope.name() + "]";
    }
}
