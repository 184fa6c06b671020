package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.SettableFuture;
import dev.braid.scope.FailurePolicy;
import dev.braid.scope.Task;
import dev.braid.scope.TaskScope;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuavaInteropTest {


    private final ExecutorService waiters = Executors.newCachedThreadPool();

    @AfterEach
    void stopWaiters() throws InterruptedException {
        waiters.shutdownNow();
        assertThat(waiters.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static TaskScope supervised() {
        return TaskScope.builder().failurePolicy(FailurePolicy.SUPERVISE).open();
    }

    @Test
    void forkFollowsTheValueAndTheFailure() throws Exception {
        SettableFuture<String> ok = SettableFuture.create();
        SettableFuture<String> bad = SettableFuture.create();
        try (TaskScope scope = supervised()) {
            Task<String> okTask = GuavaInterop.fork(scope, ok);
            Task<String> badTask = GuavaInterop.fork(scope, bad);
            ok.set("value");
            bad.setException(new IOException("db down"));
            scope.join();
            assertThat(okTask.resultNow()).isEqualTo("value");
            assertThat(badTask.exceptionNow()).isInstanceOf(IOException.class).hasMessage("db down");
        }
    }

    /** A settable future that tells whether it was cancelled with interruption. */
    static final class Probe<T> extends com.google.common.util.concurrent.AbstractFuture<T> {
        final CountDownLatch waitedOn = new CountDownLatch(1);

        boolean interrupted() {
            return wasInterrupted();
        }

        @Override
        public T get() throws InterruptedException, ExecutionException {
            waitedOn.countDown();
            return super.get();
        }

        /** Waits until the adapter's child is running and blocked on this future. */
        void awaitWaiter() throws InterruptedException {
            assertThat(waitedOn.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void cancellingTheScopeCancelsTheListenableFuture() throws Exception {
        Probe<String> future = new Probe<>();
        try (TaskScope scope = supervised()) {
            Task<String> task = GuavaInterop.fork(scope, future);
            future.awaitWaiter();
            scope.cancel();
            scope.join();
            assertThat(task.status()).isEqualTo(Task.Status.CANCELLED);
        }
        assertThat(future.isCancelled()).isTrue();
        assertThat(future.interrupted()).isTrue();
    }

    @Test
    void cancellingTheTaskCancelsTheListenableFuture() throws Exception {
        Probe<String> future = new Probe<>();
        try (TaskScope scope = supervised()) {
            Task<String> task = GuavaInterop.fork(scope, future);
            future.awaitWaiter();
            assertThat(task.cancel(true)).isTrue();
            scope.join();
        }
        assertThat(future.isCancelled()).isTrue();
    }

    @Test
    void forkIntoACancellingScopeCancelsTheListenableFuture() throws Exception {
        SettableFuture<String> future = SettableFuture.create();
        try (TaskScope scope = TaskScope.open()) {
            scope.fork(() -> {
                throw new IOException("sibling failed");
            });
            assertThatThrownBy(scope::join).hasRootCauseMessage("sibling failed");
            Task<String> task = GuavaInterop.fork(scope, future);
            assertThat(task.isCancelled()).isTrue();
            assertThatThrownBy(scope::join).hasRootCauseMessage("sibling failed");
        }
        assertThat(future.isCancelled()).isTrue();
    }

    @Test
    void listenableFutureCancelledElsewhereMakesTheTaskCancelled() throws Exception {
        SettableFuture<String> future = SettableFuture.create();
        try (TaskScope scope = supervised()) {
            Task<String> task = GuavaInterop.fork(scope, future);
            future.cancel(false);
            scope.join();
            assertThat(task.status()).isEqualTo(Task.Status.CANCELLED);
        }
    }

    @Test
    void toListenableFutureFollowsTheTask() throws Exception {
        try (TaskScope scope = supervised()) {
            Task<String> ok = scope.fork(() -> "done");
            Task<String> bad = scope.fork(() -> {
                throw new IOException("broken");
            });
            ListenableFuture<String> okFuture = GuavaInterop.toListenableFuture(ok, waiters);
            ListenableFuture<String> badFuture = GuavaInterop.toListenableFuture(bad, waiters);
            assertThat(okFuture.get(10, TimeUnit.SECONDS)).isEqualTo("done");
            assertThatThrownBy(() -> badFuture.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IOException.class);
            scope.join();
        }
    }

    @Test
    void cancellingTheListenableFutureCancelsAndInterruptsTheTask() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        try (TaskScope scope = supervised()) {
            Task<String> task = scope.fork(() -> {
                running.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                }
                return "never";
            });
            ListenableFuture<String> future = GuavaInterop.toListenableFuture(task, waiters);
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(future.cancel(true)).isTrue();
            scope.join();
            assertThat(task.isCancelled()).isTrue();
        }
        assertThat(interrupted).isTrue();
    }

    @Test
    void cancelledTaskCancelsTheListenableFuture() throws Exception {
        try (TaskScope scope = supervised()) {
            Task<String> task = scope.fork(() -> {
                new CountDownLatch(1).await();
                return "never";
            });
            ListenableFuture<String> future = GuavaInterop.toListenableFuture(task, waiters);
            scope.cancel();
            scope.join();
            assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        }
    }

    @Test
    void badInputIsRejected() {
        try (TaskScope scope = supervised()) {
            assertThatThrownBy(() -> GuavaInterop.fork(scope, null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> GuavaInterop.fork(null, SettableFuture.create()))
                    .isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> GuavaInterop.toListenableFuture(null, waiters))
                    .isInstanceOf(NullPointerException.class);
        }
    }
}
