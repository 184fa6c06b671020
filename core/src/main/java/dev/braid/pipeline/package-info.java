/**
 * Bounded producer/consumer pipelines: stages with their own workers and bounded buffers,
 * backpressure, ordered or unordered output, per-stage error policies, and an exact account
 * of every item. Entry point: {@link dev.braid.pipeline.Pipeline}.
 */
package dev.braid.pipeline;
