package dev.braid.examples;

import dev.braid.pipeline.Pipeline;
import dev.braid.pipeline.PipelineStats;
import dev.braid.pipeline.StageStats;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * Scenario: an image-processing pipeline. Generated photos go through load -> resize to
 * 800x600 -> blur -> save as JPEG, first one image at a time, then as a braid
 * {@link Pipeline} with its own workers per stage and a bounded buffer between stages. The
 * stages overlap (one image is being read while another is blurred), the slow stage gets
 * more workers, and memory stays bounded however many images there are, because a full
 * buffer makes the stage before it wait (the buffers after each stage hold 4 images: a decoded
 * image is megabytes, and the default 256-item buffers would let hundreds pile up).
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=ImagePipeline}
 */
public final class ImagePipeline {

    /** Output size. */
    public static final int WIDTH = 800;
    /** Output size. */
    public static final int HEIGHT = 600;

    /**
     * What the run did.
     *
     * @param images images processed per run
     * @param sequentialMillis time for the one-at-a-time loop
     * @param pipelinedMillis time for the pipeline
     * @param delivered images the pipeline's sink saved, per {@link PipelineStats#delivered()}
     * @param decodedAt800x600 saved JPEGs that decode back to an 800x600 image (both runs)
     * @param stages per-stage summary of the pipelined run
     */
    public record Result(int images, long sequentialMillis, long pipelinedMillis, long delivered, int decodedAt800x600,
                         String stages) {
    }

    /** An image on its way through the stages, with the name it will be saved under. */
    record Named(String name, BufferedImage image) {
    }

    private ImagePipeline() {
    }

    /**
     * Generates {@code images} photos, processes them sequentially and then pipelined, checks
     * every output, and deletes everything.
     *
     * @param images how many images
     * @param sourceWidth width of each generated source image (height is 3/4 of it)
     * @return what happened
     * @throws Exception if an image cannot be processed
     */
    public static Result run(int images, int sourceWidth) throws Exception {
        Path dir = Files.createTempDirectory("braid-images-");
        try {
            List<Path> sources = generate(dir.resolve("in"), images, sourceWidth);

            // Warm-up, not timed: the first images run through cold (interpreted) Java2D and
            // ImageIO code, which would make whichever variant runs first look slow.
            Path warmUp = Files.createDirectories(dir.resolve("warm-up"));
            for (Path source : sources.subList(0, Math.min(5, sources.size()))) {
                save(blur(resize(load(source))), warmUp);
            }

            Path sequentialOut = Files.createDirectories(dir.resolve("out-sequential"));
            long began = System.nanoTime();
            for (Path source : sources) {
                save(blur(resize(load(source))), sequentialOut);
            }
            long sequentialMillis = (System.nanoTime() - began) / 1_000_000;

            Path pipelinedOut = Files.createDirectories(dir.resolve("out-pipelined"));
            began = System.nanoTime();
            PipelineStats stats = Pipeline.from(sources)
                    .map("load", 2, ImagePipeline::load).buffer(4)          // decoded images are big: small buffers
                    .map("resize", 2, ImagePipeline::resize).buffer(4)      // keep at most a few dozen in memory
                    .map("blur", 3, ImagePipeline::blur).buffer(4)          // the slowest stage gets the most workers
                    .to(image -> save(image, pipelinedOut))                 // the sink: one thread
                    .run();
            long pipelinedMillis = (System.nanoTime() - began) / 1_000_000;

            int decoded = countDecodedAt800x600(sequentialOut) + countDecodedAt800x600(pipelinedOut);
            StringBuilder stages = new StringBuilder();
            for (String stage : List.of("load", "resize", "blur", "sink")) {
                StageStats s = stats.stage(stage);
                stages.append(stages.length() == 0 ? "" : ", ").append(stage).append(" x").append(s.workers())
                        .append(": ").append(s.completed()).append(" done, ").append(s.failed()).append(" failed");
            }
            return new Result(images, sequentialMillis, pipelinedMillis, stats.delivered(), decoded, stages.toString());
        } finally {
            ParallelCompression.deleteRecursively(dir);
        }
    }

    static Named load(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException("not an image: " + file);
        }
        return new Named(file.getFileName().toString().replace(".jpg", ""), image);
    }

    static Named resize(Named in) {
        BufferedImage out = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(in.image(), 0, 0, WIDTH, HEIGHT, null);
        } finally {
            g.dispose();
        }
        return new Named(in.name(), out);
    }

    static Named blur(Named in) {
        float[] box = new float[3 * 3];
        java.util.Arrays.fill(box, 1f / box.length);
        ConvolveOp op = new ConvolveOp(new Kernel(3, 3, box), ConvolveOp.EDGE_NO_OP, null);
        return new Named(in.name(), op.filter(in.image(), null));
    }

    static void save(Named image, Path dir) throws IOException {
        Path file = dir.resolve(image.name() + "-800x600.jpg");
        if (!ImageIO.write(image.image(), "jpg", file.toFile())) {
            throw new IOException("no JPEG writer");
        }
    }

    private static int countDecodedAt800x600(Path dir) throws IOException {
        AtomicInteger ok = new AtomicInteger();
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                BufferedImage image = ImageIO.read(file.toFile());
                if (image != null && image.getWidth() == WIDTH && image.getHeight() == HEIGHT) {
                    ok.incrementAndGet();
                }
            }
        }
        return ok.get();
    }

    /**
     * Writes {@code count} colourful JPEG "photos": gradients and random ellipses. Ten distinct
     * ones are drawn and encoded; the rest are copies of those files, to keep setup short.
     */
    private static List<Path> generate(Path dir, int count, int width) throws IOException {
        Files.createDirectories(dir);
        int height = width * 3 / 4;
        Random random = new Random(7);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path file = dir.resolve(String.format("photo-%03d.jpg", i));
            files.add(file);
            if (i >= 10) {
                Files.copy(files.get(i % 10), file);
                continue;
            }
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            try {
                g.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(0xFFFFFF)), width, height,
                        new Color(random.nextInt(0xFFFFFF))));
                g.fillRect(0, 0, width, height);
                for (int s = 0; s < 20; s++) {
                    g.setColor(new Color(random.nextInt(0xFFFFFF)));
                    g.fillOval(random.nextInt(width), random.nextInt(height), 20 + random.nextInt(width / 4),
                            20 + random.nextInt(height / 4));
                }
            } finally {
                g.dispose();
            }
            ImageIO.write(image, "jpg", file.toFile());
        }
        return files;
    }

    /**
     * 100 generated 960x720 photos, sequentially and as a pipeline.
     *
     * @param args ignored
     * @throws Exception if an image cannot be processed
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Result r = run(100, 960);
        System.out.printf("%d images: load -> resize %dx%d -> blur -> save JPEG%n", r.images(), WIDTH, HEIGHT);
        System.out.printf("sequential: %d ms; pipelined (load x2, resize x2, blur x3, save x1): %d ms (speedup %.1fx on"
                        + " %d cores)%n", r.sequentialMillis(), r.pipelinedMillis(),
                (double) r.sequentialMillis() / Math.max(1, r.pipelinedMillis()), Runtime.getRuntime().availableProcessors());
        System.out.printf("(system load average %.1f on %d cores: CPU-bound stages only overlap when cores are idle)%n",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());
        System.out.printf("pipeline delivered %d; %d of %d saved files decode at 800x600%n", r.delivered(),
                r.decodedAt800x600(), 2 * r.images());
        System.out.println("stages: " + r.stages());
    }
}
