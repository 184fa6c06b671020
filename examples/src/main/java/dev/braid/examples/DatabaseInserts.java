package dev.braid.examples;

import dev.braid.patterns.Batcher;
import dev.braid.pool.Lease;
import dev.braid.pool.PerThread;
import dev.braid.pool.ResourcePool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario: many threads writing rows into an embedded database (H2, in memory).
 *
 * <p>First, row at a time: each worker thread inserts its rows on its own connection,
 * {@link PerThread} — one connection per platform thread, created on the thread's first use
 * and closed by {@code close()}, so no connection is ever shared between threads.
 *
 * <p>Then batched: the same workers hand rows to a {@link Batcher}, which groups them (up to
 * 100 rows, or whatever arrived within 20 ms) and writes each group as one JDBC batch in one
 * transaction, on a connection leased from a {@link ResourcePool}. Closing the batcher flushes
 * the last partial batch. The row count is checked against the database both times.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=DatabaseInserts}
 */
public final class DatabaseInserts {

    /**
     * What the run did.
     *
     * @param rows rows each phase inserted
     * @param workers worker threads producing rows
     * @param rowAtATimeRows rows found in the row-at-a-time table
     * @param rowAtATimeMillis time for the row-at-a-time phase
     * @param perThreadConnections connections PerThread created (one per worker that ran)
     * @param batchedRows rows found in the batched table
     * @param batchedMillis time for the batched phase
     * @param batches batches the batcher wrote
     * @param failedBatches batches whose insert failed (should be 0)
     */
    public record Result(int rows, int workers, long rowAtATimeRows, long rowAtATimeMillis, int perThreadConnections,
                         long batchedRows, long batchedMillis, int batches, int failedBatches) {
    }

    /** One row to insert. */
    record Reading(int id, String sensor, double value) {
    }

    private DatabaseInserts() {
    }

    /**
     * Inserts {@code rows} rows twice (row at a time, then batched) from {@code workers} threads.
     *
     * @param rows rows per phase
     * @param workers worker threads
     * @return what happened, with the counts read back from the database
     * @throws Exception if the database fails
     */
    public static Result run(int rows, int workers) throws Exception {
        // A private in-memory database that lives until the last connection closes.
        String url = "jdbc:h2:mem:braid-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=0";
        try (Connection keeper = DriverManager.getConnection(url);
             Statement ddl = keeper.createStatement()) {
            ddl.execute("CREATE TABLE readings_single (id INT PRIMARY KEY, sensor VARCHAR(20), val DOUBLE)");
            ddl.execute("CREATE TABLE readings_batched (id INT PRIMARY KEY, sensor VARCHAR(20), val DOUBLE)");

            // Phase 1: row at a time, a connection per worker thread.
            PerThread<Connection> connections = PerThread.of(() -> DriverManager.getConnection(url), Connection::close);
            long began = System.nanoTime();
            int perThread;
            try {
                forEachRow(rows, workers, reading -> {
                    try (PreparedStatement insert = connections.get().prepareStatement(
                            "INSERT INTO readings_single VALUES (?, ?, ?)")) {
                        bind(insert, reading);
                        insert.executeUpdate(); // auto-commit: one transaction per row
                    }
                });
                perThread = connections.size();
            } finally {
                connections.close(); // the workers have ended (forEachRow waited): close every connection
            }
            long rowAtATimeMillis = (System.nanoTime() - began) / 1_000_000;

            // Phase 2: batched, through a Batcher whose consumer leases a pooled connection per batch.
            AtomicInteger batches = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            try (ResourcePool<Connection> pool = ResourcePool.builder(() -> DriverManager.getConnection(url))
                    .maxSize(2)
                    .disposer(Connection::close)
                    .validator(c -> c.isValid(1))
                    .build()) {
                began = System.nanoTime();
                try (Batcher<Reading> batcher = Batcher.<Reading>builder(batch -> insertBatch(pool, batch, batches))
                        .maxSize(100)
                        .maxDelay(Duration.ofMillis(20))
                        .capacity(1_000)
                        .onFailure((batch, error) -> {
                            failed.incrementAndGet();
                            System.err.println("batch of " + batch.size() + " failed: " + error);
                        })
                        .build()) {
                    forEachRow(rows, workers, batcher::put);
                } // close(): the last partial batch is written before this returns
            }
            long batchedMillis = (System.nanoTime() - began) / 1_000_000;

            return new Result(rows, workers, count(keeper, "readings_single"), rowAtATimeMillis, perThread,
                    count(keeper, "readings_batched"), batchedMillis, batches.get(), failed.get());
        }
    }

    private static void insertBatch(ResourcePool<Connection> pool, List<Reading> batch, AtomicInteger batches)
            throws SQLException, InterruptedException {
        try (Lease<Connection> lease = pool.acquire(Duration.ofSeconds(5))) {
            Connection connection = lease.get();
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO readings_batched VALUES (?, ?, ?)")) {
                for (Reading reading : batch) {
                    bind(insert, reading);
                    insert.addBatch();
                }
                insert.executeBatch();
                connection.commit(); // one transaction per batch
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
            batches.incrementAndGet();
        }
    }

    /** Something done with each row, which may fail. */
    @FunctionalInterface
    interface RowAction {
        void accept(Reading reading) throws Exception;
    }

    /** Splits the rows over {@code workers} platform threads and waits for all of them. */
    private static void forEachRow(int rows, int workers, RowAction action) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                futures.add(pool.submit(() -> {
                    for (int id = worker; id < rows; id += workers) {
                        action.accept(new Reading(id, "sensor-" + (id % 16), id * 0.5));
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdown();
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        }
    }

    private static void bind(PreparedStatement insert, Reading reading) throws SQLException {
        insert.setInt(1, reading.id());
        insert.setString(2, reading.sensor());
        insert.setDouble(3, reading.value());
    }

    private static long count(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /**
     * 1,000 rows from 4 threads, row at a time and batched.
     *
     * @param args ignored
     * @throws Exception if the database fails
     */
    public static void main(String[] args) throws Exception {
        Result r = run(1_000, 4);
        System.out.printf("row at a time (PerThread connection per worker, %d connections): %,d rows in the table,"
                + " %d ms%n", r.perThreadConnections(), r.rowAtATimeRows(), r.rowAtATimeMillis());
        System.out.printf("batched (Batcher, up to 100 rows or 20 ms per batch, pooled connection): %,d rows in the"
                        + " table in %d batches, %d failed, %d ms (%.1fx faster)%n", r.batchedRows(), r.batches(),
                r.failedBatches(), r.batchedMillis(), (double) r.rowAtATimeMillis() / Math.max(1, r.batchedMillis()));
        if (r.rowAtATimeRows() != r.rows() || r.batchedRows() != r.rows()) {
            throw new IllegalStateException("rows went missing: " + r);
        }
    }
}
