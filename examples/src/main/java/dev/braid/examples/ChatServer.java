package dev.braid.examples;

import dev.braid.scope.FailurePolicy;
import dev.braid.scope.Task;
import dev.braid.scope.TaskScope;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario: a chat server. Every line a client sends is broadcast to every other client. One
 * slow client (it stops reading) must not stall the others: each client has a <em>bounded</em>
 * outbox drained by its own writer thread, and the broadcaster never blocks — when a slow
 * client's outbox is full, the message is dropped for that client alone and counted. (The
 * unbounded alternative lets one stuck reader grow the server's heap without limit; the
 * blocking one lets it freeze every sender.)
 *
 * <p>Every connection's reader and writer are children of the server's {@link TaskScope}; the
 * clients of the demo are children of another. Each scope's close returns only when all its
 * children have ended.
 *
 * <p>The run: several fast clients each send a batch of messages while one slow client reads
 * nothing; the fast clients finish, receiving every message; only then does the slow client
 * read, and it gets what its outbox held; what it received plus what was dropped for it is
 * exactly what was sent to it.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=ChatServer}
 */
public final class ChatServer implements AutoCloseable {

    /**
     * What the run did.
     *
     * @param fastClients clients that read promptly
     * @param messagesPerClient messages each fast client sent
     * @param fastReceived messages each fast client received (each should get every other's)
     * @param fastMillis time until every fast client had everything, while the slow one read nothing
     * @param slowReceived messages the slow client received once it read
     * @param slowDropped messages the server dropped for the slow client (its outbox was full)
     */
    public record Result(int fastClients, int messagesPerClient, List<Integer> fastReceived, long fastMillis,
                         int slowReceived, long slowDropped) {
    }

    private static final String END = new String("end of outbox"); // compared by identity

    /** One connected client: its socket, its bounded outbox and what was dropped for it. */
    private final class Member {
        final Socket socket;
        final BlockingQueue<String> outbox = new ArrayBlockingQueue<>(outboxCapacity);
        final AtomicLong dropped = new AtomicLong();
        volatile String name = "?";

        Member(Socket socket) {
            this.socket = socket;
        }

        /** Never blocks: a full outbox means a slow reader, and the message is dropped for it. */
        void deliver(String message) {
            if (!outbox.offer(message)) {
                dropped.incrementAndGet();
            }
        }
    }

    private final ServerSocket listener;
    private final int outboxCapacity;
    private final Thread acceptor;
    private final List<Member> members = new CopyOnWriteArrayList<>();  // connected now
    private final List<Member> everyone = new CopyOnWriteArrayList<>(); // ever joined, for the accounting
    private final List<Member> connecting = new CopyOnWriteArrayList<>(); // every socket accepted, to close on a forced stop
    private boolean closed; // guarded by this
    private final Object joinedLock = new Object();
    private int joined;

    private ChatServer(ServerSocket listener, int outboxCapacity) {
        this.listener = listener;
        this.outboxCapacity = outboxCapacity;
        this.acceptor = new Thread(this::acceptLoop, "chat-acceptor");
    }

    /**
     * Starts a chat server on {@code 127.0.0.1} on a free port.
     *
     * @param outboxCapacity messages buffered per client before they are dropped for it
     * @return the running server; close it to stop
     * @throws IOException if the port cannot be bound
     */
    public static ChatServer start(int outboxCapacity) throws IOException {
        ChatServer server = new ChatServer(new ServerSocket(0, 128, InetAddress.getLoopbackAddress()), outboxCapacity);
        server.acceptor.start();
        return server;
    }

    /** @return the port the server listens on */
    public int port() {
        return listener.getLocalPort();
    }

    /**
     * Accepts clients; each gets two children in the server's {@link TaskScope}: a reader that
     * broadcasts what the client says, and a writer that drains the client's outbox.
     * SUPERVISE: one client's failure does not cancel the others. When the listener closes,
     * {@code join} waits for every connection to finish (close() ends them), and the scope's
     * close guarantees that no connection thread is left.
     */
    private void acceptLoop() {
        try (TaskScope connections = TaskScope.builder()
                .failurePolicy(FailurePolicy.SUPERVISE)
                .name("chat-connections")
                .open()) {
            while (true) {
                Socket socket;
                try {
                    socket = listener.accept();
                    socket.setSendBufferSize(4096); // small, so a stalled reader fills its outbox quickly
                } catch (IOException e) {
                    break; // listener closed
                }
                Member member = new Member(socket);
                connecting.add(member);
                connections.fork(() -> {
                    read(member);
                    return null;
                });
                connections.fork(() -> {
                    write(member);
                    return null;
                });
            }
            connections.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads the member's name, then broadcasts each of its lines to everyone else. */
    private void read(Member member) {
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(member.socket.getInputStream(), StandardCharsets.UTF_8));
            String name = in.readLine();
            if (name == null) {
                return;
            }
            member.name = name;
            everyone.add(member);
            members.add(member);
            synchronized (joinedLock) {
                joined++;
                joinedLock.notifyAll();
            }
            for (String line; (line = in.readLine()) != null; ) {
                String message = name + ": " + line;
                for (Member other : members) {
                    if (other != member) {
                        other.deliver(message);
                    }
                }
            }
        } catch (IOException e) {
            // the connection was closed under us (server stop): the member leaves
        } finally {
            leave(member);
        }
    }

    /** Drains the member's outbox to its socket; flushes when the outbox is momentarily empty. */
    private void write(Member member) {
        try (Writer out = new BufferedWriter(new OutputStreamWriter(member.socket.getOutputStream(), StandardCharsets.UTF_8))) {
            while (true) {
                String message = member.outbox.take();
                if (message == END) {
                    return;
                }
                out.write(message);
                out.write('\n');
                if (member.outbox.isEmpty()) {
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            try {
                member.socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void leave(Member member) {
        members.remove(member);
        endOutbox(member);
    }

    /** Queues the end marker after everything already queued; waits for room if needed. */
    private static void endOutbox(Member member) {
        try {
            member.outbox.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Blocks until {@code count} clients have joined (sent their name).
     *
     * @param count clients to wait for
     * @throws InterruptedException if interrupted
     */
    public void awaitJoined(int count) throws InterruptedException {
        synchronized (joinedLock) {
            while (joined < count) {
                joinedLock.wait();
            }
        }
    }

    /**
     * @param name a client's name
     * @return how many messages were dropped for that client so far (0 if unknown)
     */
    long droppedFor(String name) {
        return everyone.stream().filter(m -> m.name.equals(name)).mapToLong(m -> m.dropped.get()).sum();
    }

    /**
     * Graceful stop: no new clients; each client's outbox is delivered to the end, then its
     * connection closes. After 10 seconds, connections still open are closed by force. Returns
     * when every connection thread has ended.
     */
    @Override
    public synchronized void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        listener.close(); // the acceptor stops accepting and joins its connections
        for (Member member : members) {
            try {
                member.socket.shutdownInput(); // the reader sees end of stream and leaves, ending the outbox
            } catch (IOException alreadyClosed) {
                // the member is leaving on its own
            }
        }
        acceptor.join(10_000);
        if (acceptor.isAlive()) {
            for (Member member : connecting) {
                member.socket.close(); // a socket read or write ignores interrupts on platform threads: close it
            }
            acceptor.join();
        }
    }

    /**
     * Runs the chat: {@code fastClients} clients that each send {@code messagesPerClient}
     * messages and read everything, and one client that reads nothing until they are done.
     *
     * @param fastClients clients that read promptly (at least 2)
     * @param messagesPerClient messages each fast client sends
     * @param outboxCapacity per-client outbox size on the server
     * @return what happened
     * @throws Exception if a client fails
     */
    public static Result run(int fastClients, int messagesPerClient, int outboxCapacity) throws Exception {
        if (fastClients < 2) {
            throw new IllegalArgumentException("fastClients must be at least 2, got " + fastClients);
        }
        ChatServer server = start(outboxCapacity);
        List<Socket> sockets = new ArrayList<>();
        try (TaskScope clients = TaskScope.open()) { // fail-fast: a broken client fails the run
            Socket slow = new Socket();
            sockets.add(slow);
            slow.setReceiveBufferSize(4096); // before connecting, so the window is small
            slow.setSoTimeout(30_000);       // a bug in the demo fails it instead of hanging it
            slow.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
            send(slow, "slow");
            server.awaitJoined(1);

            List<Socket> fast = new ArrayList<>();
            for (int c = 0; c < fastClients; c++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
                sockets.add(socket);
                socket.setSoTimeout(30_000);
                fast.add(socket);
                send(socket, "fast" + c);
            }
            server.awaitJoined(1 + fastClients); // everyone is in before anyone speaks

            long began = System.nanoTime();
            List<Task<Integer>> received = new ArrayList<>();
            int expectedEach = (fastClients - 1) * messagesPerClient;
            for (int c = 0; c < fastClients; c++) {
                Socket socket = fast.get(c);
                int me = c;
                clients.fork(() -> {
                    for (int m = 0; m < messagesPerClient; m++) {
                        send(socket, "message " + m + " " + "x".repeat(150)); // ~170 bytes a line
                    }
                    return null;
                });
                received.add(clients.fork(() -> receiveDistinct(socket, expectedEach, "fast" + me)));
            }
            List<Integer> fastReceived = clients.gather(received);
            long fastMillis = (System.nanoTime() - began) / 1_000_000;

            // Now the slow client reads; the server stops gracefully and delivers its outbox.
            Task<Integer> slowReceived = clients.fork(() -> receiveToEnd(slow));
            for (Socket socket : fast) {
                socket.close();
            }
            server.close();
            clients.join();
            return new Result(fastClients, messagesPerClient, fastReceived, fastMillis, slowReceived.resultNow(),
                    server.droppedFor("slow"));
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
            server.close();
        }
    }

    private static void send(Socket socket, String line) throws IOException {
        socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Reads until {@code expected} messages arrived; counts distinct ones (a duplicate would not count). */
    private static int receiveDistinct(Socket socket, int expected, String me) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < expected; i++) {
            String line = in.readLine();
            if (line == null) {
                break;
            }
            if (line.startsWith(me + ": ")) {
                throw new IllegalStateException(me + " received its own message: " + line);
            }
            seen.add(line);
        }
        return seen.size();
    }

    private static int receiveToEnd(Socket socket) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        int count = 0;
        while (in.readLine() != null) {
            count++;
        }
        return count;
    }

    /**
     * Four fast clients, 500 messages each, and one client that stalls. The outbox holds 1,600
     * messages: more than a reading client ever falls behind here (1,500 come its way), less
     * than the 2,000 sent to the client that never reads.
     *
     * @param args ignored
     * @throws Exception if anything fails
     */
    public static void main(String[] args) throws Exception {
        Result r = run(4, 500, 1600);
        int expected = (r.fastClients() - 1) * r.messagesPerClient();
        System.out.printf("%d fast clients x %d messages: each received %s of %d, in %d ms, while the slow client"
                + " read nothing%n", r.fastClients(), r.messagesPerClient(), r.fastReceived(), expected, r.fastMillis());
        System.out.printf("slow client: %d delivered from its bounded outbox + %d dropped = %d sent to it%n",
                r.slowReceived(), r.slowDropped(), r.slowReceived() + r.slowDropped());
        System.out.println("The slow reader cost the others nothing: the broadcaster never blocks on it.");
    }
}
