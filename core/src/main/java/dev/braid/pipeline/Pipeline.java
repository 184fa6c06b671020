package dev.braid.pipeline;

import dev.braid.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A bounded producer/consumer pipeline: a source, stages with their own worker count and
 * bounded input buffer, and a sink. Built step by step; each step returns a new immutable
 * builder, so a partly built pipeline may be shared and extended.
 *
 * <pre>{@code
 * PipelineStats stats = Pipeline.from(files)                 // Iterable, or fromStream/fromIterator
 *     .map("load", 2, ImageIO::read)                         // name, workers, function
 *     .map("resize", 4, img -> resize(img, 800, 600))
 *     .ordered()                                             // the sink sees input order
 *     .to(out::add)                                          // the sink
 *     .run();                                                // blocks until done
 *
 * try (RunningPipeline<Reading> p = Pipeline.<Reading>push(64)  // first buffer's capacity
 *         .map("parse", 2, Reading::parse).to(store::save).start()) {
 *     p.put(reading);                                        // blocks while the buffer is full
 *     p.complete();                                          // no more input: drain, then finish
 *     PipelineStats done = p.await();
 * }
 * }</pre>
 *
 * <p><b>Buffers and backpressure.</b> Every stage, and the sink, reads from its own bounded
 * buffer; a worker that finds the next buffer full waits, and so does a producer that finds
 * the first one full. Nothing is ever buffered without bound: at any moment the items in
 * flight are at most the sum of the buffer capacities plus the number of workers (plus the
 * sink's one), and, in {@linkplain #ordered() ordered} mode, plus the reorder ring of each
 * {@code flatMap} stage with several workers (as many results as the buffer after the stage
 * holds, and at least max(64, 2 &times; workers)). The first buffer's capacity is the one given to
 * {@link #push(int)}, or
 * {@value #DEFAULT_CAPACITY} for the pull form; every other buffer holds
 * {@value #DEFAULT_CAPACITY} items unless {@link #buffer(int)} says otherwise.
 * A producer or worker that found a buffer full and had to park (after a short spin) is
 * woken once the buffer has drained to its low-water mark, {@code capacity - max(1, capacity / 2)}
 * items, not at the first free slot: a producer faster than its consumers then parks once per
 * half buffer instead of once per item. So a blocked producer may wait while a few slots are
 * free, as long as the workers do not take more; for capacities up to 3 the mark is the
 * first free slot. A producer waiting in {@link RunningPipeline#offer offer} (with a
 * timeout) is the exception: it is woken at the first free slot.
 * On the other side, idle workers of a stage are woken one at a time: while a woken worker
 * has not yet run, further items do not wake a second one; once it has taken its item, it
 * wakes the next if it left items behind. A burst so reaches the idle workers in turn, each
 * as soon as the one before it runs, instead of waking all of them for an item or two each.
 *
 * <p><b>Workers.</b> The workers of a run are the children of one
 * {@link dev.braid.scope.TaskScope}: virtual threads on JDK 21 and later, daemon platform
 * threads on 17, or tasks on the {@link #executor(Executor) executor} given. The sink has one
 * worker: it is called from one thread at a time, in order. Every worker ends when the
 * pipeline ends, however it ends; {@code run()} and {@code await()} return only after.
 *
 * <p><b>Order.</b> By default the sink sees items in whatever order the workers finish them.
 * With {@link #ordered()} it sees them in input order, however many workers each stage has:
 * a worker that finishes ahead of its turn puts its result in its input's place in the next
 * buffer and goes on; only a worker a whole buffer ahead of the oldest unfinished item waits.
 * The next stage takes in input order, so it waits for that oldest item.
 *
 * <p><b>Nothing lost.</b> Every accepted item ends in exactly one place: the sink, the
 * error policy's failure count (see {@link ErrorPolicy}), the filtered count, or the list that
 * {@link RunningPipeline#cancel()} returns; {@link PipelineStats} counts each. No worker
 * exception is swallowed: under the default fail-fast policy the first one fails the pipeline
 * and {@code run()}/{@code await()} throw {@link PipelineFailedException}.
 *
 * <p><b>Thread-safety:</b> builders are immutable and may be shared between threads.
 *
 * @param <I> the type of the pipeline's input items
 * @param <T> the type of the items at the current end of the pipeline
 */
public final class Pipeline<I, T> {

    /** The capacity of a buffer whose capacity was not given. */
    public static final int DEFAULT_CAPACITY = 256;

    private static final String SOURCE = "source";
    private static final String SINK = "sink";

    private final Supplier<? extends Iterator<? extends I>> source; // null: push form
    private final List<StageSpec> stages;
    private final int tailCapacity;   // capacity of the buffer feeding the next stage or the sink
    private final boolean ordered;
    private final Executor executor;  // null: new threads
    private final Ticker ticker;

    private Pipeline(Supplier<? extends Iterator<? extends I>> source, List<StageSpec> stages, int tailCapacity,
            boolean ordered, Executor executor, Ticker ticker) {
        this.source = source;
        this.stages = stages;
        this.tailCapacity = tailCapacity;
        this.ordered = ordered;
        this.executor = executor;
        this.ticker = ticker;
    }

    /**
     * Starts a pull pipeline fed from an {@link Iterable}. Each {@link Ready#run()} (or
     * {@link Ready#start()}) iterates it anew.
     *
     * @param <I> the type of the items
     * @param items the source; must not yield {@code null} (the pipeline fails if it does)
     * @return a pipeline builder with no stage yet
     * @throws NullPointerException if {@code items} is null
     */
    public static <I> Pipeline<I, I> from(Iterable<? extends I> items) {
        Objects.requireNonNull(items, "items");
        return new Pipeline<>(items::iterator, List.of(), DEFAULT_CAPACITY, false, null, Ticker.system());
    }

    /**
     * Starts a pull pipeline fed from a {@link Stream}, consumed once.
     *
     * @param <I> the type of the items
     * @param items the source; must not contain {@code null}
     * @return a pipeline builder with no stage yet
     * @throws NullPointerException if {@code items} is null
     */
    public static <I> Pipeline<I, I> fromStream(Stream<? extends I> items) {
        Objects.requireNonNull(items, "items");
        return new Pipeline<>(items::iterator, List.of(), DEFAULT_CAPACITY, false, null, Ticker.system());
    }

    /**
     * Starts a pull pipeline fed from an {@link Iterator}, consumed once.
     *
     * @param <I> the type of the items
     * @param items the source; must not yield {@code null}
     * @return a pipeline builder with no stage yet
     * @throws NullPointerException if {@code items} is null
     */
    public static <I> Pipeline<I, I> fromIterator(Iterator<? extends I> items) {
        Objects.requireNonNull(items, "items");
        return new Pipeline<>(() -> items, List.of(), DEFAULT_CAPACITY, false, null, Ticker.system());
    }

    /**
     * Starts a push pipeline: items are given to {@link RunningPipeline#put} once started.
     *
     * @param <I> the type of the items
     * @param capacity the capacity of the first buffer, where producers wait when it is full
     * @return a pipeline builder with no stage yet
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public static <I> Pipeline<I, I> push(int capacity) {
        return new Pipeline<>(null, List.of(), checkCapacity(capacity), false, null, Ticker.system());
    }

    /**
     * Adds a stage that maps each item to one result.
     *
     * @param <R> the type of the results
     * @param name the stage's name (in statistics and failures), unique in the pipeline
     * @param workers the stage's worker count
     * @param fn the function; must not return {@code null}
     * @return the extended builder
     * @throws IllegalArgumentException if {@code name} is blank, taken, or {@code "source"}
     *     or {@code "sink"}, or if {@code workers} is not positive
     * @throws NullPointerException if {@code name} or {@code fn} is null
     */
    public <R> Pipeline<I, R> map(String name, int workers, StageFunction<? super T, ? extends R> fn) {
        return add(StageSpec.Kind.MAP, name, workers, Objects.requireNonNull(fn, "fn"), 0, null);
    }

    /**
     * Adds a stage that keeps the items {@code predicate} accepts; the others count as
     * filtered.
     *
     * @param name the stage's name, unique in the pipeline
     * @param workers the stage's worker count
     * @param predicate the predicate
     * @return the extended builder
     * @throws IllegalArgumentException as for {@link #map}
     * @throws NullPointerException if {@code name} or {@code predicate} is null
     */
    public Pipeline<I, T> filter(String name, int workers, StagePredicate<? super T> predicate) {
        return add(StageSpec.Kind.FILTER, name, workers, Objects.requireNonNull(predicate, "predicate"), 0, null);
    }

    /**
     * Adds a stage that maps each item to any number of results, passed on one by one (in
     * the iterable's order; in ordered mode together, in the input item's place). The
     * results of one item are collected before any is passed on, so a failure part-way
     * through passes none of them on.
     *
     * @param <R> the type of the results
     * @param name the stage's name, unique in the pipeline
     * @param workers the stage's worker count
     * @param fn the function; must not return {@code null} or yield {@code null} elements
     * @return the extended builder
     * @throws IllegalArgumentException as for {@link #map}
     * @throws NullPointerException if {@code name} or {@code fn} is null
     */
    public <R> Pipeline<I, R> flatMap(String name, int workers,
            StageFunction<? super T, ? extends Iterable<? extends R>> fn) {
        return add(StageSpec.Kind.FLAT_MAP, name, workers, Objects.requireNonNull(fn, "fn"), 0, null);
    }

    /**
     * Adds a side-effect stage: calls {@code action} on each item, then passes the item on.
     *
     * @param name the stage's name, unique in the pipeline
     * @param workers the stage's worker count
     * @param action the action
     * @return the extended builder
     * @throws IllegalArgumentException as for {@link #map}
     * @throws NullPointerException if {@code name} or {@code action} is null
     */
    public Pipeline<I, T> peek(String name, int workers, Sink<? super T> action) {
        return add(StageSpec.Kind.PEEK, name, workers, Objects.requireNonNull(action, "action"), 0, null);
    }

    /**
     * Adds a batching stage: groups items into lists of {@code size}, passing a shorter list
     * on when {@code maxDelay} has passed since its first item arrived, and the last partial
     * list at the end of input. One worker (batching is cheap; one worker keeps batches in
     * input order). The delay is measured on the pipeline's {@link #ticker(Ticker) ticker}.
     * Per-stage counts are in items: {@code completed} counts the items passed on in batches.
     *
     * <pre>{@code
     * Pipeline.from(rows).batch("group", 500, Duration.ofMillis(200)).map("insert", 2, db::insertAll)...
     * }</pre>
     *
     * @param name the stage's name, unique in the pipeline
     * @param size the largest batch
     * @param maxDelay the longest an item waits for its batch to fill; zero passes on a batch
     *     as soon as no further item is waiting
     * @return the extended builder
     * @throws IllegalArgumentException as for {@link #map}; or if {@code size} is not
     *     positive or {@code maxDelay} is negative
     * @throws NullPointerException if {@code name} or {@code maxDelay} is null
     */
    public Pipeline<I, List<T>> batch(String name, int size, Duration maxDelay) {
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be positive, was " + size);
        }
        if (maxDelay.isNegative()) {
            throw new IllegalArgumentException("maxDelay must not be negative, was " + maxDelay);
        }
        return add(StageSpec.Kind.BATCH, name, 1, null, size, maxDelay);
    }

    /**
     * Sets the error policy of the stage added last (fail-fast unless set).
     *
     * @param policy the policy
     * @return the updated builder
     * @throws IllegalStateException if no stage has been added yet
     * @throws IllegalArgumentException if the last stage is a batch stage (it calls no user
     *     code that could fail)
     * @throws NullPointerException if {@code policy} is null
     */
    public Pipeline<I, T> onError(ErrorPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        if (stages.isEmpty()) {
            throw new IllegalStateException("onError(" + policy + ") applies to the last stage; add a stage first");
        }
        StageSpec last = stages.get(stages.size() - 1);
        if (last.kind == StageSpec.Kind.BATCH) {
            throw new IllegalArgumentException("batch stage '" + last.name + "' runs no user code; it has no error policy");
        }
        List<StageSpec> copy = new ArrayList<>(stages);
        copy.set(copy.size() - 1, last.withPolicy(policy));
        return new Pipeline<>(source, Collections.unmodifiableList(copy), tailCapacity, ordered, executor, ticker);
    }

    /**
     * Sets the capacity of the buffer at the current end of the pipeline: the one feeding
     * the next stage added, or the sink. Before any stage, that is the first buffer.
     *
     * @param capacity the buffer's capacity
     * @return the updated builder
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public Pipeline<I, T> buffer(int capacity) {
        return new Pipeline<>(source, stages, checkCapacity(capacity), ordered, executor, ticker);
    }

    /**
     * Makes the sink see items in input order, whatever the stages' worker counts. Items a
     * stage filters or skips leave no gap in the output. Each stage with more than one worker
     * puts every result in its input's place in the buffer after it, so that buffer is also
     * the stage's window: a worker more than a buffer ahead of the oldest unfinished item
     * waits for it, and the next stage, which takes in input order, waits for it too. To let
     * workers run further ahead of an item that is slow, or of a worker the operating system
     * preempted, give the stage a larger buffer (see {@link #buffer(int)}). An ordered
     * pipeline holds no more items than an unordered one, except that a {@code flatMap}
     * stage with several workers passes its lists through a reorder ring, as large as the
     * buffer after it and at least max(64, 2 &times; workers).
     *
     * @return the updated builder
     */
    public Pipeline<I, T> ordered() {
        return new Pipeline<>(source, stages, tailCapacity, true, executor, ticker);
    }

    /**
     * Runs the workers as tasks on {@code executor} instead of on new threads. The executor
     * must run every task it accepts concurrently with the others (a pool with fewer threads
     * than the pipeline has workers, plus one for a started pull pipeline's feeder, would
     * deadlock it); cancellation interrupts the executor's threads only while they run the
     * pipeline's tasks. One coordinating thread per run is still created by braid.
     *
     * @param executor the executor
     * @return the updated builder
     * @throws NullPointerException if {@code executor} is null
     */
    public Pipeline<I, T> executor(Executor executor) {
        return new Pipeline<>(source, stages, tailCapacity, ordered, Objects.requireNonNull(executor, "executor"),
                ticker);
    }

    /**
     * Sets the ticker that batch delays and statistics' elapsed times are measured on
     * ({@link Ticker#system()} unless set); tests pass a manual one.
     *
     * @param ticker the ticker
     * @return the updated builder
     * @throws NullPointerException if {@code ticker} is null
     */
    public Pipeline<I, T> ticker(Ticker ticker) {
        return new Pipeline<>(source, stages, tailCapacity, ordered, executor, Objects.requireNonNull(ticker, "ticker"));
    }

    /**
     * Ends the pipeline with its sink, called from one worker at a time, in order. A sink
     * that throws fails the pipeline (fail-fast).
     *
     * @param sink the sink
     * @return the complete pipeline, ready to {@link Ready#run() run} or {@link Ready#start() start}
     * @throws NullPointerException if {@code sink} is null
     */
    public Ready<I> to(Sink<? super T> sink) {
        Objects.requireNonNull(sink, "sink");
        List<StageSpec> all = new ArrayList<>(stages);
        all.add(new StageSpec(StageSpec.Kind.SINK, SINK, 1, sink, ErrorPolicy.failFast(), tailCapacity, 0, null));
        return new Ready<>(source, Collections.unmodifiableList(all), ordered, executor, ticker);
    }

    private <R> Pipeline<I, R> add(StageSpec.Kind kind, String name, int workers, Object fn, int size, Duration delay) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("stage name must not be blank, was '" + name + "'");
        }
        if (name.equals(SOURCE) || name.equals(SINK)) {
            throw new IllegalArgumentException("stage name '" + name + "' is reserved");
        }
        for (StageSpec s : stages) {
            if (s.name.equals(name)) {
                throw new IllegalArgumentException("stage name '" + name + "' is already taken");
            }
        }
        if (workers <= 0) {
            throw new IllegalArgumentException("stage '" + name + "' needs a positive worker count, was " + workers);
        }
        List<StageSpec> copy = new ArrayList<>(stages);
        copy.add(new StageSpec(kind, name, workers, fn, ErrorPolicy.failFast(), tailCapacity, size, delay));
        return new Pipeline<>(source, Collections.unmodifiableList(copy), DEFAULT_CAPACITY, ordered, executor, ticker);
    }

    private static int checkCapacity(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        return capacity;
    }

    /**
     * A complete pipeline, source to sink, ready to run. Immutable; each
     * {@link #run()}/{@link #start()} is a new, independent run (a Stream or Iterator
     * source can be consumed only once).
     *
     * <pre>{@code
     * Pipeline.Ready<Path> job = Pipeline.from(paths).map("read", 4, Files::readString).to(index::add);
     * PipelineStats stats = job.run();
     * }</pre>
     *
     * @param <I> the type of the pipeline's input items
     */
    public static final class Ready<I> {
        private final Supplier<? extends Iterator<? extends I>> source;
        private final List<StageSpec> stages;
        private final boolean ordered;
        private final Executor executor;
        private final Ticker ticker;

        private Ready(Supplier<? extends Iterator<? extends I>> source, List<StageSpec> stages, boolean ordered,
                Executor executor, Ticker ticker) {
            this.source = source;
            this.stages = stages;
            this.ordered = ordered;
            this.executor = executor;
            this.ticker = ticker;
        }

        /**
         * Runs a pull pipeline to the end on the calling thread's watch: the caller feeds
         * the source into the first buffer (waiting while it is full), then waits for every
         * worker to end.
         *
         * <p>If the calling thread is interrupted, the pipeline is cancelled, this method
         * waits for its workers to end, and throws. A source whose {@code hasNext} blocks
         * cannot be interrupted this way; use {@link #start()} for such a source.
         *
         * @return the final statistics
         * @throws InterruptedException if the calling thread was interrupted (the pipeline
         *     was cancelled and has ended)
         * @throws PipelineFailedException if a fail-fast stage, the sink or the source
         *     failed
         * @throws IllegalStateException if this is a push pipeline (use {@link #start()})
         */
        public PipelineStats run() throws InterruptedException {
            if (source == null) {
                throw new IllegalStateException("a push pipeline has no source to run; start() it and put items");
            }
            PipelineRun<I> run = new PipelineRun<>(stages, ordered, source, executor, ticker);
            run.launch(false);
            return run.runHere();
        }

        /**
         * Starts the pipeline and returns at once. A push pipeline waits for
         * {@link RunningPipeline#put}; a pull pipeline is fed from its source by one more
         * worker.
         *
         * <p>If the {@link Pipeline#executor(Executor) executor} refuses a worker, the
         * pipeline fails: {@link RunningPipeline#await()} throws
         * {@link PipelineFailedException} with the executor's exception as cause.
         *
         * @return the running pipeline
         */
        public RunningPipeline<I> start() {
            PipelineRun<I> run = new PipelineRun<>(stages, ordered, source, executor, ticker);
            run.launch(source != null);
            return run;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(source == null ? "Pipeline[push" : "Pipeline[pull");
            for (StageSpec s : stages) {
                sb.append(" -> ").append(s.name).append('(').append(s.workers).append(')');
            }
            return sb.append(ordered ? ", ordered]" : "]").toString();
        }
    }
}
