package dev.braid.examples;

import dev.braid.scope.FailurePolicy;
import dev.braid.scope.ScopeTimeoutException;
import dev.braid.scope.Task;
import dev.braid.scope.TaskScope;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * Scenario: a web scraper. A local site of HTML pages, a few of which never answer. Every
 * page is fetched in a child of one {@link TaskScope} with a deadline, at most 8 in flight (a
 * semaphore), and parsed with jsoup for its title and links. At the deadline the scope
 * cancels what is left: the slow pages' fetches are interrupted (their sockets close at once)
 * and the scope closes only when every child has ended — the pages that made it are kept,
 * the ones that did not are reported, and no thread is left waiting on a dead server.
 *
 * <p>The scope runs in SUPERVISE mode: one failing page (a 404, a parse error) does not
 * cancel the others; its failure is reported with its page.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=Scraper}
 */
public final class Scraper {

    /**
     * One scraped page.
     *
     * @param url the page
     * @param title its {@code <title>}
     * @param links the absolute URLs of its links
     */
    public record Page(String url, String title, List<String> links) {
    }

    /**
     * What the run did.
     *
     * @param pages pages on the site
     * @param scraped pages fetched and parsed in time
     * @param timedOut pages cancelled at the deadline
     * @param failed pages that failed (not counting time-outs)
     * @param distinctLinks distinct link targets found on the scraped pages
     * @param maxInFlight the most fetches in flight at once, counted by the scraper
     * @param hitDeadline whether the scope's deadline passed with pages unfinished
     * @param millis time from the first fetch until the scope closed
     * @param sample one scraped page, to show what was extracted
     */
    public record Result(int pages, int scraped, List<String> timedOut, int failed, int distinctLinks, int maxInFlight,
                         boolean hitDeadline, long millis, Page sample) {
    }

    private Scraper() {
    }

    /**
     * Scrapes a local site of {@code pages} pages, of which every {@code slowEvery}-th never
     * answers, with at most {@code maxInFlight} fetches at once and a deadline.
     *
     * @param pages pages on the site
     * @param slowEvery page numbers divisible by this are slow (0: none)
     * @param maxInFlight most fetches at once
     * @param deadline the scope's timeout, counted from its opening
     * @return what happened
     * @throws Exception if the server cannot start or the thread is interrupted
     */
    public static Result run(int pages, int slowEvery, int maxInFlight, Duration deadline) throws Exception {
        CountDownLatch serverStopping = new CountDownLatch(1);
        try (LocalHttpServer site = LocalHttpServer.start(path -> {
            int n = Integer.parseInt(path.substring("/page/".length()));
            if (slowEvery > 0 && n % slowEvery == slowEvery - 1) {
                // A page that never answers while the scraper waits: the handler is released when the server closes.
                try {
                    serverStopping.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return LocalHttpServer.Response.html(html(n, pages));
        })) {
            try {
                List<URI> urls = new ArrayList<>();
                for (int i = 0; i < pages; i++) {
                    urls.add(site.uri("/page/" + i));
                }
                long began = System.nanoTime();
                Semaphore slots = new Semaphore(maxInFlight);
                AtomicInteger inFlight = new AtomicInteger();
                AtomicInteger mostInFlight = new AtomicInteger();
                List<Task<Page>> tasks = new ArrayList<>();
                boolean hitDeadline = false;
                try (TaskScope scope = TaskScope.builder()
                        .timeout(deadline)
                        .failurePolicy(FailurePolicy.SUPERVISE) // one bad page does not cancel the rest
                        .name("scraper")
                        .open()) {
                    for (URI url : urls) {
                        tasks.add(scope.fork(() -> {
                            slots.acquire(); // at most maxInFlight fetches at once
                            try {
                                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                                try {
                                    return parse(url, Http.getText(url));
                                } finally {
                                    inFlight.decrementAndGet();
                                }
                            } finally {
                                slots.release();
                            }
                        }));
                    }
                    try {
                        scope.join();
                    } catch (ScopeTimeoutException e) {
                        hitDeadline = true; // the unfinished pages were cancelled; finished ones stay readable
                    }
                } // close(): every child has ended here
                long millis = (System.nanoTime() - began) / 1_000_000;

                List<Page> scraped = new ArrayList<>();
                List<String> timedOut = new ArrayList<>();
                int failed = 0;
                for (int i = 0; i < tasks.size(); i++) {
                    Task<Page> task = tasks.get(i);
                    switch (task.status()) {
                        case SUCCESS -> scraped.add(task.resultNow());
                        case CANCELLED -> timedOut.add(urls.get(i).getPath());
                        case FAILED -> {
                            failed++;
                            System.err.println(urls.get(i) + " failed: " + task.exceptionNow());
                        }
                        case RUNNING -> throw new AssertionError("a child outlived its scope: " + urls.get(i));
                    }
                }
                Set<String> links = new TreeSet<>();
                scraped.forEach(page -> links.addAll(page.links()));
                return new Result(pages, scraped.size(), timedOut, failed, links.size(), mostInFlight.get(),
                        hitDeadline, millis, scraped.isEmpty() ? null : scraped.get(0));
            } finally {
                serverStopping.countDown();
            }
        }
    }

    /** Extracts the title and the absolute link targets with jsoup. */
    static Page parse(URI url, String html) {
        Document document = Jsoup.parse(html, url.toString());
        List<String> links = new ArrayList<>();
        for (Element a : document.select("a[href]")) {
            links.add(a.absUrl("href"));
        }
        return new Page(url.toString(), document.title(), links);
    }

    /** Page {@code n} of the site: a title and links to the next three pages. */
    static String html(int n, int pages) {
        StringBuilder body = new StringBuilder();
        for (int k = 1; k <= 3; k++) {
            body.append("<li><a href=\"/page/").append((n + k) % pages).append("\">next ").append(k).append("</a></li>");
        }
        return "<!doctype html><html><head><title>Page " + n + " of the local site</title></head>"
                + "<body><h1>Page " + n + "</h1><ul>" + body + "</ul></body></html>";
    }

    /**
     * 100 pages, every 25th never answers, 8 in flight, a 3-second deadline.
     *
     * @param args ignored
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        Result r = run(100, 25, 8, Duration.ofSeconds(3));
        System.out.printf("%d pages, at most 8 in flight (up to %d were), 3 s deadline: %d scraped, %d timed"
                        + " out %s, %d failed, %d distinct links; scope closed after %d ms with no thread left%n",
                r.pages(), r.maxInFlight(), r.scraped(), r.timedOut().size(), r.timedOut(), r.failed(),
                r.distinctLinks(), r.millis());
        if (r.sample() != null) {
            System.out.printf("e.g. %s: \"%s\" -> %s%n", r.sample().url(), r.sample().title(), r.sample().links());
        }
    }
}
