package dev.braid.pipeline;

import dev.braid.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One run of a pipeline: its buffers, workers, counters and state. */
final class PipelineRun<I> implements RunningPipeline<I> {

    /*
     * Implementation notes
     *
     * Shape. Stage k (the sink is the last stage) has an input Buffer and workers that take
     * from it and put into stage k+1's buffer. Items are handed on as they are: no wrapper,
     * no allocation per item beyond what a stage function allocates (flatMap and batch
     * allocate their lists). When the last worker of stage k ends normally it closes stage
     * k+1's buffer: end-of-stream flows down the pipeline without poison pills.
     *
     * Accounting (the "nothing lost" argument). Each stage counts, exactly once per item,
     * how the item left it: completed (handed to the next buffer or, for the sink, consumed),
     * filtered, failed, or returned. An item is in exactly one of: a buffer's ring, a
     * worker's hands, an ordered flatMap stage's ReorderRing, or gone. Buffer.take and Buffer.abort
     * claim positions by CAS on the buffer's head, so an item in a ring is either taken by a
     * worker (which then accounts for it on every path out of process()/runBatch(),
     * including interrupts) or drained by abort (first buffer: returned, to the cancel()
     * caller; later buffers: failed). A put into an aborted buffer fails, and the putting
     * worker counts its item failed. A result left in a ReorderRing when a cancellation or
     * failure stopped its emitter, and an item an abort left in a positional buffer (see
     * Ordered mode), are counted failed once every worker ended. A positional buffer counts
     * no puts: its stage's accepted count is what the stage before handed on into it. Hence at the
     * end, for each stage, accepted = completed + failed + filtered + returned. Counters are
     * per worker (Tally), so the hot path has no shared counter to contend on.
     *
     * Ordered mode. A stage with several workers and one result per item (map, filter,
     * peek) puts each result at its input position (its sequence number) in the next buffer,
     * which is positional (Buffer, "Positional puts"); an item filtered, skipped or
     * dead-lettered leaves a GAP there, so no position stays empty. A flatMap stage with
     * several workers hands its lists to a ReorderRing, which passes their elements on in
     * input order; a stage with one worker keeps its input order anyway. A worker that takes
     * a GAP passes it on at its position where its stage's output keeps positions (a
     * positional buffer or a ring) and drops it otherwise; a GAP is not an item and no count
     * includes it. Each stage's output is then in its input order, so the sink sees the
     * pipeline's input order.
     *
     * States. RUNNING -> COMPLETING (complete(): the first buffer is closed) -> ended;
     * RUNNING/COMPLETING -> CANCELLED or FAILED, which abort every buffer and interrupt every
     * worker. 'state' is volatile: workers read it on their hot path (a plain load on x86) to
     * stop early; transitions happen under stateLock, which also guards the failure record
     * and the list of drained-but-not-yet-returned items. Lock order: stateLock, then a
     * buffer's monitor or lock (abort of the first buffer); no code takes them the other way
     * round.
     *
     * The end. Workers.onAllEnded runs after every worker's last action; it snapshots the
     * counters into finalStats (the counters no longer change: every increment happened
     * before its worker ended) and opens the 'ended' latch, whose countDown/await pair
     * publishes finalStats and the failure to await() callers.
     */

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    static final int RUNNING = 0;
    static final int COMPLETING = 1;
    static final int CANCELLED = 2;
    static final int FAILED = 3;

    private static final Object FILTERED = new Object();
    private static final Object SKIPPED = new Object();
    private static final Object ABANDONED = new Object();

    static final class Stage {
        final StageSpec spec;
        final Buffer in;
        Buffer out;
        Inlet inlet;          // where results go: 'out', a flatMap adapter, or a ReorderRing
        ReorderRing reorder;  // ordered mode with several workers, flatMap, else null
        boolean gapsOnward;   // results that are not handed on leave a GAP (ordered mode)
        Stage prev;           // the stage before, or null for the first
        final boolean ordered;
        final Tally[] tallies;
        final AtomicInteger live;
        volatile boolean warned;
        volatile long abandoned; // results left in 'reorder' at the end; written before 'ended'
        volatile long leftOver;  // items an abort left in a positional 'in'; written before 'ended'

        Stage(StageSpec spec, boolean ordered) {
            this.spec = spec;
            this.ordered = ordered;
            this.in = new Buffer(spec.inputCapacity);
            this.live = new AtomicInteger(spec.workers);
            this.tallies = new Tally[spec.workers];
            for (int i = 0; i < tallies.length; i++) {
                tallies[i] = new Tally(i);
            }
        }

        /** Connects the stage to the next one's buffer (null: this is the sink). */
        void connect(Buffer next) {
            this.out = next;
            if (next == null) {
                return;
            }
            boolean flat = spec.kind == StageSpec.Kind.FLAT_MAP;
            if (ordered && spec.workers > 1 && !flat) {
                // one result per input (map, filter, peek): each worker puts its result at its
                // input's position in the next buffer, which keeps the order by itself
                next.positional();
                gapsOnward = true;
                inlet = (result, seq, t) -> {
                    boolean ok;
                    try {
                        ok = next.putAt(result, seq) >= 0;
                    } catch (InterruptedException e) {
                        if (result != ReorderRing.GAP) {
                            t.failed(1);
                        }
                        throw e;
                    }
                    return result == ReorderRing.GAP ? ok : t.handedOn(ok);
                };
            } else if (ordered && spec.workers > 1) {
                gapsOnward = true;
                // as large as the next buffer: a worker may run that far ahead of one that
                // stalls (a slow item, or preempted while it holds the emit turn); at least
                // 64 slots, so that a parked worker sleeps through 32 hand-ons, and at least
                // two per worker, so that every worker can be a result or two ahead
                reorder = new ReorderRing(Math.max(Math.max(64, 2 * spec.workers), next.capacity()), spec.workers,
                        next, flat);
                inlet = reorder;
            } else if (flat) {
                inlet = (result, seq, t) -> {
                    boolean ok;
                    try {
                        ok = ReorderRing.putAll(next, (List<?>) result);
                    } catch (InterruptedException e) {
                        t.failed(1);
                        throw e;
                    }
                    return t.handedOn(ok);
                };
            } else {
                inlet = next;
            }
        }

        StageStats snapshot(Duration elapsed, boolean first) {
            long drained = in.abortedCount() + leftOver;
            long completed = 0;
            long failed = abandoned;
            long filtered = 0;
            int busy = 0;
            for (Tally t : tallies) {
                completed += t.completed();
                failed += t.failed();
                filtered += t.filtered();
                busy += t.busy();
            }
            long accepted = in.accepted();
            if (in.isPositional()) { // filled by putAt, which does not count: the stage before does
                accepted = 0;
                for (Tally t : prev.tallies) {
                    accepted += t.completed();
                }
            }
            return new StageStats(spec.name, spec.workers, accepted, completed,
                    failed + (first ? 0 : drained), filtered, first ? drained : 0,
                    in.depth(), in.capacity(), busy, elapsed);
        }
    }

    private final Stage[] stages;
    private final Buffer first;
    private final Supplier<? extends Iterator<? extends I>> source; // null: push form
    private final Ticker ticker;
    private final long startedAt;
    private final Workers workers;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Object stateLock = new Object();
    private volatile int state = RUNNING;
    // guarded by stateLock:
    private String failedStage;
    private Object failedItem;
    private Throwable failure;
    private final List<Throwable> secondary = new ArrayList<>();
    private List<Object> unreturned = new ArrayList<>();
    // written before 'ended' opens:
    private PipelineStats finalStats;

    PipelineRun(List<StageSpec> specs, boolean ordered, Supplier<? extends Iterator<? extends I>> source,
            Executor executor, Ticker ticker) {
        this.stages = new Stage[specs.size()];
        for (int i = 0; i < stages.length; i++) {
            stages[i] = new Stage(specs.get(i), ordered);
        }
        for (int i = 0; i < stages.length; i++) {
            stages[i].connect(i + 1 < stages.length ? stages[i + 1].in : null);
            if (i > 0) {
                stages[i].prev = stages[i - 1];
            }
        }
        this.first = stages[0].in;
        this.source = source;
        this.ticker = ticker;
        this.startedAt = ticker.read();
        this.workers = new Workers(executor, this::onAllEnded, (stage, e) -> fail(stage, null, e));
    }

    /** Starts every worker (and, when feedSource, a worker feeding the source). */
    void launch(boolean feedSource) {
        for (Stage st : stages) {
            for (int w = 0; w < st.spec.workers; w++) {
                Tally t = st.tallies[w];
                Runnable body = st.spec.kind == StageSpec.Kind.BATCH ? () -> runBatch(st, t) : () -> runWorker(st, t);
                workers.add(st.spec.name, body);
            }
        }
        if (feedSource) {
            workers.add("source", () -> {
                try {
                    feed();
                } catch (InterruptedException e) {
                    if (!ending()) {
                        fail("source", null, e);
                    }
                }
            });
        }
        workers.start();
    }

    // ------------------------------------------------------------------ public API

    @Override
    public void put(I item) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        requirePushForm();
        if (first.put(item) < 0) {
            throw notAccepting();
        }
    }

    @Override
    public boolean offer(I item, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        requirePushForm();
        long r = first.offer(item, StageSpec.saturatedNanos(timeout));
        if (r == Buffer.CLOSED) {
            throw notAccepting();
        }
        return r != Buffer.TIMED_OUT;
    }

    @Override
    public void complete() {
        synchronized (stateLock) {
            if (state == RUNNING) {
                state = COMPLETING;
            }
        }
        first.close();
    }

    @Override
    public PipelineStats await() throws InterruptedException {
        ended.await();
        return result();
    }

    @Override
    public PipelineStats await(Duration timeout) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        if (!ended.await(StageSpec.saturatedNanos(timeout), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException("pipeline still running after " + timeout);
        }
        return result();
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<I> cancel() {
        synchronized (stateLock) {
            if ((state == RUNNING || state == COMPLETING) && ended.getCount() > 0) {
                state = CANCELLED;
            }
        }
        abortAll();
        synchronized (stateLock) {
            List<Object> r = unreturned;
            unreturned = new ArrayList<>();
            return (List<I>) (List<?>) r;
        }
    }

    @Override
    public PipelineStats stats() {
        PipelineStats done = ended.getCount() == 0 ? finalStats : null;
        return done != null ? done : snapshot();
    }

    @Override
    public void close() throws InterruptedException {
        complete();
        try {
            ended.await();
        } catch (InterruptedException e) {
            cancel();
            awaitUninterruptibly(false); // the InterruptedException thrown reports the interrupt
            throw e;
        }
        result();
    }

    @Override
    public String toString() {
        String s = switch (state) {
            case RUNNING -> "running";
            case COMPLETING -> "completing";
            case CANCELLED -> "cancelled";
            default -> "failed";
        };
        return "RunningPipeline[" + (ended.getCount() == 0 ? "ended, " : "") + s + "]";
    }

    // ------------------------------------------------------------------ pull form

    /**
     * Feeds the source into the first buffer, then completes. Throws InterruptedException
     * when the calling thread is interrupted (the caller decides what that means).
     */
    void feed() throws InterruptedException {
        Iterator<? extends I> it;
        try {
            it = source.get();
        } catch (Throwable e) {
            fail("source", null, e);
            return;
        }
        while (!ending()) {
            I item;
            try {
                if (!it.hasNext()) {
                    break;
                }
                item = it.next();
            } catch (Throwable e) {
                fail("source", null, e);
                return;
            }
            if (item == null) {
                fail("source", null, new NullPointerException("the source produced a null item"));
                return;
            }
            if (first.put(item) < 0) {
                return;
            }
        }
        complete();
    }

    /** run(): the caller feeds; an interrupt of the caller cancels the pipeline. */
    PipelineStats runHere() throws InterruptedException {
        try {
            feed();
            ended.await();
        } catch (InterruptedException e) {
            cancel();
            awaitUninterruptibly(false); // the InterruptedException thrown reports the interrupt
            throw e;
        }
        return result();
    }

    // ------------------------------------------------------------------ workers

    private void runWorker(Stage st, Tally t) {
        Cursor cursor = new Cursor();
        try {
            while (true) {
                Object item;
                try {
                    item = st.in.take(cursor);
                } catch (InterruptedException e) {
                    if (!ending()) {
                        fail(st.spec.name, null, e);
                    }
                    return;
                }
                if (item == null) {
                    return;
                }
                if (item == ReorderRing.GAP) { // a positional buffer's placeholder: no item
                    if (!passGap(st, t, cursor.seq)) {
                        return;
                    }
                    continue;
                }
                t.busy(true);
                boolean goOn;
                try {
                    goOn = process(st, t, item, cursor.seq);
                } finally {
                    t.busy(false);
                }
                if (!goOn) {
                    return;
                }
            }
        } finally {
            if (st.live.decrementAndGet() == 0 && st.out != null) {
                st.out.close();
            }
        }
    }

    /** Passes a gap on where the stage's output keeps positions; false to stop. */
    private boolean passGap(Stage st, Tally t, long seq) {
        if (!st.gapsOnward) {
            return true;
        }
        if (ending()) {
            return false;
        }
        try {
            return st.inlet.accept(ReorderRing.GAP, seq, t);
        } catch (InterruptedException e) {
            if (!ending()) {
                fail(st.spec.name, null, e);
            }
            return false;
        }
    }

    /** Processes one taken item and accounts for it exactly once. Returns false to stop. */
    private boolean process(Stage st, Tally t, Object item, long seq) {
        if (ending()) {
            t.failed(1);
            return false;
        }
        Object result = compute(st, t, item);
        if (result == ABANDONED) {
            return false; // accounted for in compute
        }
        if (result == FILTERED) {
            t.addFiltered();
        }
        Inlet inlet = st.inlet;
        if (inlet == null) {
            // the sink consumed it in compute (a skipped item was counted failed by its policy)
            if (result != SKIPPED && result != FILTERED) {
                t.completed(1);
            }
            return true;
        }
        if (result == SKIPPED || result == FILTERED) {
            if (!st.gapsOnward) {
                return true;
            }
            result = ReorderRing.GAP; // keeps the sequence without a hole
        }
        try {
            return inlet.accept(result, seq, t); // counts the result completed or failed
        } catch (InterruptedException e) {
            if (!ending()) {
                fail(st.spec.name, item, e);
            }
            return false;
        }
    }

    /** Applies the stage to the item under its error policy. */
    private Object compute(Stage st, Tally t, Object item) {
        List<Throwable> earlier = null;
        int attempts = 0;
        while (true) {
            attempts++;
            Throwable error;
            try {
                return apply(st, item);
            } catch (Throwable e) {
                error = e;
            }
            if (ending()) {
                t.failed(1); // a cancellation or another failure caught it in flight
                return ABANDONED;
            }
            ErrorPolicy policy = st.spec.policy;
            if (policy instanceof Retry retry) {
                if (attempts <= retry.retries() && !(error instanceof VirtualMachineError)) {
                    if (earlier == null) {
                        earlier = new ArrayList<>();
                    }
                    earlier.add(error);
                    if (!backOff(retry, attempts)) {
                        t.failed(1);
                        if (!ending()) {
                            fail(st.spec.name, item, new InterruptedException("interrupted during retry backoff"));
                        }
                        return ABANDONED;
                    }
                    if (ending()) {
                        t.failed(1);
                        return ABANDONED;
                    }
                    continue;
                }
                if (earlier != null) {
                    for (Throwable e : earlier) {
                        if (e != error) {
                            error.addSuppressed(e);
                        }
                    }
                }
                policy = retry.exhausted();
            }
            t.failed(1);
            if (policy instanceof FailFast || error instanceof VirtualMachineError) {
                fail(st.spec.name, item, error);
                return ABANDONED;
            }
            if (policy instanceof DeadLetter deadLetter) {
                try {
                    deadLetter.handler().accept(new StageFailure(st.spec.name, item, error, attempts));
                } catch (Throwable e) {
                    if (e != error) {
                        e.addSuppressed(error);
                    }
                    fail(st.spec.name, item, e);
                    return ABANDONED;
                }
                return SKIPPED;
            }
            // skip and report
            if (!st.warned) {
                st.warned = true;
                LOG.warn("pipeline stage '{}' skipped an item after {} attempt(s); further skips of this stage"
                        + " are logged at DEBUG", st.spec.name, attempts, error);
            } else if (LOG.isDebugEnabled()) {
                LOG.debug("pipeline stage '{}' skipped an item after {} attempt(s)", st.spec.name, attempts, error);
            }
            return SKIPPED;
        }
    }

    /** Waits before retry number {@code attempt}; false if interrupted. */
    private static boolean backOff(Retry retry, int attempt) {
        long base = StageSpec.saturatedNanos(retry.backoff());
        if (base == 0) {
            return !Thread.currentThread().isInterrupted();
        }
        long nanos = attempt - 1 >= 62 || base > (Long.MAX_VALUE >> (attempt - 1)) ? Long.MAX_VALUE : base << (attempt - 1);
        long deadline = System.nanoTime() + nanos;
        while (true) {
            if (Thread.interrupted()) {
                return false;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            LockSupport.parkNanos(left);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object apply(Stage st, Object item) throws Exception {
        switch (st.spec.kind) {
            case MAP: {
                Object r = ((StageFunction<Object, Object>) st.spec.function).apply(item);
                if (r == null) {
                    throw new NullPointerException("stage '" + st.spec.name + "' returned null");
                }
                return r;
            }
            case FILTER:
                return ((StagePredicate<Object>) st.spec.function).test(item) ? item : FILTERED;
            case PEEK:
            case SINK:
                ((Sink<Object>) st.spec.function).accept(item);
                return item;
            case FLAT_MAP: {
                Iterable<?> r = ((StageFunction<Object, Iterable<?>>) st.spec.function).apply(item);
                if (r == null) {
                    throw new NullPointerException("stage '" + st.spec.name + "' returned null");
                }
                List<Object> all = new ArrayList<>();
                for (Object o : r) {
                    if (o == null) {
                        throw new NullPointerException("stage '" + st.spec.name + "' returned a null element");
                    }
                    all.add(o);
                }
                return all;
            }
            default:
                throw new AssertionError(st.spec.kind);
        }
    }

    /** The single worker of a batch stage. */
    private void runBatch(Stage st, Tally t) {
        Cursor cursor = new Cursor();
        List<Object> batch = null;
        long deadline = 0;
        try {
            while (true) {
                Object item;
                try {
                    if (batch == null) {
                        item = st.in.take(cursor);
                    } else {
                        long left = deadline - ticker.read();
                        // maxDelay zero: take what is already waiting, without waiting
                        item = left <= 0 && st.spec.batchDelayNanos > 0 ? Buffer.NOTHING_YET
                                : st.in.poll(Math.max(0L, left), cursor);
                    }
                } catch (InterruptedException e) {
                    if (batch != null) {
                        t.failed(batch.size());
                        t.busy(false);
                    }
                    if (!ending()) {
                        fail(st.spec.name, null, e);
                    }
                    return;
                }
                if (item == ReorderRing.GAP) {
                    continue; // a positional buffer's placeholder: no item
                }
                if (item == Buffer.NOTHING_YET) {
                    if (deadline - ticker.read() > 0) {
                        continue; // the ticker has not reached the deadline yet (a manual ticker)
                    }
                } else if (item != null) {
                    if (ending()) {
                        t.failed(1 + (batch == null ? 0 : batch.size()));
                        t.busy(false);
                        return;
                    }
                    if (batch == null) {
                        batch = new ArrayList<>(Math.min(st.spec.batchSize, 1024));
                        deadline = ticker.read() + st.spec.batchDelayNanos;
                        t.busy(true);
                    }
                    batch.add(item);
                    if (batch.size() < st.spec.batchSize) {
                        continue;
                    }
                }
                // flush: full, timed out, or end-of-stream
                if (batch != null) {
                    List<Object> full = batch;
                    batch = null;
                    boolean handedOn;
                    try {
                        handedOn = st.out.put(full) >= 0;
                    } catch (InterruptedException e) {
                        t.failed(full.size());
                        t.busy(false);
                        if (!ending()) {
                            fail(st.spec.name, null, e);
                        }
                        return;
                    }
                    t.busy(false);
                    if (!handedOn) {
                        t.failed(full.size());
                        return;
                    }
                    t.completed(full.size());
                }
                if (item == null) {
                    return;
                }
            }
        } finally {
            if (st.live.decrementAndGet() == 0 && st.out != null) {
                st.out.close();
            }
        }
    }

    // ------------------------------------------------------------------ ending

    boolean ending() {
        return state >= CANCELLED;
    }

    /** Records a failure; the first one fails the pipeline (unless it was cancelled first). */
    void fail(String stage, Object item, Throwable error) {
        synchronized (stateLock) {
            if (state == FAILED) {
                secondary.add(error);
                return;
            }
            if (state == CANCELLED || ended.getCount() == 0) {
                LOG.debug("pipeline stage '{}' failed after the pipeline was cancelled", stage, error);
                return;
            }
            state = FAILED;
            failedStage = stage;
            failedItem = item;
            failure = error;
        }
        abortAll();
    }

    /** Empties every buffer (the first into 'unreturned') and interrupts every worker. */
    private void abortAll() {
        abortBuffers();
        workers.interruptAll();
    }

    /**
     * Empties every buffer, the first into 'unreturned'. Idempotent. Also called by
     * onAllEnded after a cancellation or failure: workers that see the state stop without
     * waiting for their buffer to be emptied, so the last of them may end before the
     * cancelling thread got round to a later buffer; emptying it again there makes sure
     * every drained item is counted before the final snapshot.
     */
    private void abortBuffers() {
        // The counts of drained items are kept by the buffers themselves, in the critical
        // section that ends the stream: a worker that sees the end and then ends makes them
        // visible to onAllEnded. Counting here, after abort() returned, would race with it.
        synchronized (stateLock) {
            unreturned.addAll(first.abort());
        }
        for (int i = 1; i < stages.length; i++) {
            stages[i].in.abort();
        }
    }

    private void onAllEnded() {
        if (ending()) {
            abortBuffers();
        }
        for (Stage st : stages) {
            if (st.reorder != null) {
                // results a cancellation or failure left in the ring: every worker ended, so
                // the ring no longer changes and its writes happened-before this read
                st.abandoned = st.reorder.abandoned();
            }
            if (st.in.isPositional()) {
                st.leftOver = st.in.leftOver(); // what an abort left there, as above
            }
        }
        finalStats = snapshot();
        ended.countDown();
    }

    private PipelineStats snapshot() {
        Duration elapsed = Duration.ofNanos(Math.max(0, ticker.read() - startedAt));
        List<StageStats> list = new ArrayList<>(stages.length);
        long failed = 0;
        long filtered = 0;
        for (Stage st : stages) {
            StageStats s = st.snapshot(elapsed, st == stages[0]);
            failed += s.failed();
            filtered += s.filtered();
            list.add(s);
        }
        return new PipelineStats(list.get(0).accepted(), list.get(list.size() - 1).completed(), failed, filtered,
                list.get(0).returned(), elapsed, list);
    }

    private PipelineStats result() {
        synchronized (stateLock) {
            if (state == FAILED) {
                PipelineFailedException e = new PipelineFailedException(failedStage, failedItem, failure, finalStats);
                for (Throwable t : secondary) {
                    e.addSuppressed(t);
                }
                throw e;
            }
        }
        return finalStats;
    }

    /** Waits for the end, ignoring interrupts; restores the interrupt status if asked to. */
    void awaitUninterruptibly(boolean restoreInterrupt) {
        boolean interrupted = false;
        while (true) {
            try {
                ended.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted && restoreInterrupt) {
            Thread.currentThread().interrupt();
        }
    }

    private void requirePushForm() {
        if (source != null) {
            throw new IllegalStateException("this pipeline is fed from its source; put and offer are for push pipelines");
        }
    }

    private IllegalStateException notAccepting() {
        synchronized (stateLock) {
            switch (state) {
                case CANCELLED:
                    return new IllegalStateException("the pipeline was cancelled; the item was not accepted");
                case FAILED:
                    return new IllegalStateException("the pipeline failed in stage '" + failedStage
                            + "'; the item was not accepted", failure);
                default:
                    return new IllegalStateException("complete() was called; the item was not accepted");
            }
        }
    }
}
