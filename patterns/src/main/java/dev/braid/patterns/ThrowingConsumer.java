package dev.braid.patterns;

/**
 * A consumer that may throw any exception; the batch consumer of {@link Batcher}, where a
 * JDBC batch insert that throws {@code SQLException} must fit.
 *
 * <pre>{@code
 * ThrowingConsumer<List<Row>> insert = rows -> dao.insertAll(rows);   // throws SQLException
 * }</pre>
 *
 * @param <T> the type of the value consumed
 */
@FunctionalInterface
public interface ThrowingConsumer<T> {

    /**
     * Consumes a value.
     *
     * @param value the value
     * @throws Exception if consuming fails
     */
    void accept(T value) throws Exception;
}
