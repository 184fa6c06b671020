package dev.braid.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal HTTP/1.1 GET for the examples, written on a {@link SocketChannel} so that it is
 * <em>interruptible on every JDK</em>: cancelling the task that runs it (a scope's deadline, a
 * lost race) interrupts its thread, which closes the channel and ends the call at once with
 * {@link java.nio.channels.ClosedByInterruptException}. {@code HttpURLConnection} on a platform
 * thread ignores interrupts until its read timeout, and {@code java.net.http.HttpClient} keeps
 * a selector thread alive until it is garbage-collected on JDK 17, so neither fits an example
 * that promises to leave nothing running.
 *
 * <p>Enough HTTP for a local server: one request per connection ({@code Connection: close}),
 * a response body of known length or ended by the server closing the connection.
 */
public final class Http {

    private Http() {
    }

    /** The server answered with a status other than 200. */
    public static final class StatusException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        StatusException(URI uri, int status) {
            super("GET " + uri + " answered " + status);
            this.status = status;
        }

        /** @return the HTTP status the server sent */
        public int status() {
            return status;
        }
    }

    /**
     * Fetches {@code uri} and returns its body.
     *
     * @param uri an {@code http://host:port/path} URI
     * @return the response body
     * @throws StatusException if the status is not 200
     * @throws IOException if the connection fails, or the thread was interrupted while waiting
     *         ({@link java.nio.channels.ClosedByInterruptException}, interrupt flag set)
     */
    public static byte[] get(URI uri) throws IOException {
        if (!"http".equals(uri.getScheme())) {
            throw new IllegalArgumentException("only http:// is supported, got " + uri);
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        try (SocketChannel channel = SocketChannel.open(new InetSocketAddress(uri.getHost(), port))) {
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + port
                    + "\r\nConnection: close\r\n\r\n";
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            int headerEnd = -1;
            long contentLength = -1;
            while (true) {
                int read = channel.read(in);
                if (read < 0) {
                    break;
                }
                response.write(in.array(), 0, in.position());
                in.clear();
                if (headerEnd < 0) {
                    headerEnd = indexOf(response.toByteArray(), "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    if (headerEnd >= 0) {
                        contentLength = contentLength(new String(response.toByteArray(), 0, headerEnd, StandardCharsets.ISO_8859_1));
                    }
                }
                if (headerEnd >= 0 && contentLength >= 0 && response.size() >= headerEnd + 4 + contentLength) {
                    break;
                }
            }
            byte[] all = response.toByteArray();
            if (headerEnd < 0) {
                throw new IOException("GET " + uri + ": connection closed before the response headers ended");
            }
            String head = new String(all, 0, headerEnd, StandardCharsets.ISO_8859_1);
            String[] statusLine = head.split("\r\n", 2)[0].split(" ");
            int status = Integer.parseInt(statusLine[1]);
            if (status != 200) {
                throw new StatusException(uri, status);
            }
            int bodyStart = headerEnd + 4;
            int bodyEnd = contentLength >= 0 ? (int) (bodyStart + contentLength) : all.length;
            if (bodyEnd > all.length) {
                throw new IOException("GET " + uri + ": body ended after " + (all.length - bodyStart)
                        + " of " + contentLength + " bytes");
            }
            return Arrays.copyOfRange(all, bodyStart, bodyEnd);
        }
    }

    /**
     * Fetches {@code uri} and decodes its body as UTF-8.
     *
     * @param uri an {@code http://} URI
     * @return the body as text
     * @throws IOException as {@link #get(URI)}
     */
    public static String getText(URI uri) throws IOException {
        return new String(get(uri), StandardCharsets.UTF_8);
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return -1;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
