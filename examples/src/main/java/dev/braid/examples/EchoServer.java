package dev.braid.examples;

import dev.braid.scope.FailurePolicy;
import dev.braid.scope.Task;
import dev.braid.scope.TaskScope;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario: a TCP echo server with a thread per connection — a virtual thread on JDK 21+, a
 * platform thread on 17 — driven by many concurrent clients, and stopped gracefully: it stops
 * accepting, lets the open connections finish, and only then returns; nothing is left running.
 *
 * <p>The connections are children of one {@link TaskScope} owned by the accepting thread, and
 * the clients are children of another: each scope's close returns only when all its children
 * have ended. (A scope keeps a reference to every task it forked until it closes, so a server
 * that runs for months would open a scope per batch of connections; for this demo one is fine.)
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=EchoServer}
 */
public final class EchoServer implements AutoCloseable {

    /**
     * What the run did.
     *
     * @param clients how many clients connected at once
     * @param messagesPerClient lines each client sent
     * @param echoedCorrectly lines that came back exactly as sent
     * @param bytesEchoed bytes the server echoed
     * @param connectionsServed connections the server handled to the end
     * @param millis time for all clients to finish
     */
    public record Result(int clients, int messagesPerClient, int echoedCorrectly, long bytesEchoed,
                         int connectionsServed, long millis) {
    }

    private final ServerSocket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger served = new AtomicInteger();
    private final AtomicLong bytesEchoed = new AtomicLong();

    private EchoServer(ServerSocket listener) {
        this.listener = listener;
        this.acceptor = new Thread(this::acceptLoop, "echo-acceptor");
    }

    /**
     * Starts the server on {@code 127.0.0.1} on a free port.
     *
     * @return the running server; close it to stop
     * @throws IOException if the port cannot be bound
     */
    public static EchoServer start() throws IOException {
        EchoServer server = new EchoServer(new ServerSocket(0, 128, InetAddress.getLoopbackAddress()));
        server.acceptor.start();
        return server;
    }

    /** @return the port the server listens on */
    public int port() {
        return listener.getLocalPort();
    }

    /**
     * Accepts connections and serves each in a child of one {@link TaskScope}: a virtual thread
     * per connection on JDK 21+, a platform thread on 17. SUPERVISE: one broken connection does
     * not cancel the others. When the listener closes, the loop ends and {@code join} waits for
     * the open connections to finish; the scope's close guarantees no connection thread is left.
     */
    private void acceptLoop() {
        try (TaskScope connections = TaskScope.builder()
                .failurePolicy(FailurePolicy.SUPERVISE)
                .name("echo-connections")
                .open()) {
            while (true) {
                Socket socket;
                try {
                    socket = listener.accept();
                } catch (IOException e) {
                    break; // the listener was closed: stop accepting
                }
                open.add(socket);
                connections.fork(() -> {
                    serve(socket);
                    return null;
                });
            }
            connections.join(); // graceful: the open connections finish
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close() gave up waiting; the scope's close cancels what is left
        }
    }

    /** One connection: every line read is written straight back, until the client closes. */
    private void serve(Socket socket) {
        try (socket;
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8), true)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.println(line);
                bytesEchoed.addAndGet(line.length() + 1);
            }
            served.incrementAndGet();
        } catch (SocketException e) {
            // closed by a forced stop, or the client reset the connection
        } catch (IOException e) {
            System.err.println("connection failed: " + e);
        } finally {
            open.remove(socket);
        }
    }

    /**
     * Graceful stop: no new connections, open ones may finish for up to 5 seconds, then they are
     * closed. Returns when every connection thread has ended.
     *
     * @throws InterruptedException if interrupted while waiting
     * @throws IOException if the listener cannot be closed
     */
    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();  // accept() fails: the acceptor stops accepting and joins its connections
        acceptor.join(5_000);
        if (acceptor.isAlive()) {
            for (Socket socket : open) {
                socket.close(); // a blocking socket read ignores interrupts on platform threads: close it
            }
            acceptor.join();
        }
    }

    /**
     * Starts a server, connects {@code clients} clients at once, each sends its lines and checks
     * the echoes, then stops the server.
     *
     * @param clients concurrent clients
     * @param messagesPerClient lines per client
     * @return what happened
     * @throws Exception if a client fails
     */
    public static Result run(int clients, int messagesPerClient) throws Exception {
        long began = System.nanoTime();
        int echoed = 0;
        EchoServer server = start();
        try (TaskScope clientScope = TaskScope.open()) { // fail-fast: a broken client fails the run
            List<Task<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(clientScope.fork(() -> talk(server.port(), client, messagesPerClient)));
            }
            for (int matched : clientScope.gather(results)) {
                echoed += matched;
            }
        } finally {
            server.close();
        }
        long millis = (System.nanoTime() - began) / 1_000_000;
        return new Result(clients, messagesPerClient, echoed, server.bytesEchoed.get(), server.served.get(), millis);
    }

    /** A client: sends its lines one at a time and counts the echoes that match. */
    private static int talk(int port, int client, int messages) throws IOException {
        int matched = 0;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8), true)) {
            for (int m = 0; m < messages; m++) {
                String line = "client " + client + " message " + m;
                out.println(line);
                if (line.equals(in.readLine())) {
                    matched++;
                }
            }
        }
        return matched;
    }

    /**
     * Serves 100 concurrent clients, 50 lines each.
     *
     * @param args ignored
     * @throws Exception if anything fails
     */
    public static void main(String[] args) throws Exception {
        Result r = run(100, 50);
        System.out.printf("%d concurrent clients x %d lines: %,d of %,d echoed correctly, %,d bytes, %d connections"
                        + " served, %d ms, stopped gracefully%n", r.clients(), r.messagesPerClient(), r.echoedCorrectly(),
                r.clients() * r.messagesPerClient(), r.bytesEchoed(), r.connectionsServed(), r.millis());
        System.out.println("A thread per connection, children of a TaskScope (" + (Runtime.version().feature() >= 21 ? "virtual" : "platform")
                + " threads here): blocking code, one line per step, no callbacks.");
    }
}
