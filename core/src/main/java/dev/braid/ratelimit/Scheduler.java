package dev.braid.ratelimit;

/**
 * Runs a task after a delay: how an async waiter at the head of the queue is served at the
 * moment its permits free, with no thread parked for it. Production uses
 * {@link TimerScheduler#INSTANCE}; tests substitute a manual one.
 */
interface Scheduler {

    /**
     * Runs {@code task} once, about {@code delayNanos} from now.
     *
     * @return a handle whose {@code run()} cancels the task if it has not started
     */
    Runnable schedule(Runnable task, long delayNanos);
}
