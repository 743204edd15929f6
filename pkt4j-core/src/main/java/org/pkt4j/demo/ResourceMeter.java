package org.pkt4j.demo;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Wall time and peak memory of one stretch of work inside this JVM. Memory is the largest Java heap in use
 * right after a garbage collection during the stretch (the live data, not the garbage a lazy collector lets
 * pile up), plus the bytes of the model files the stretch memory-maps, which live outside the heap. The
 * process-wide resident peak (VmHWM) cannot be reset, so it is reported once for the whole run.
 */
public final class ResourceMeter implements AutoCloseable {
    private final long start;
    private final long mappedBytes;
    private final AtomicLong peakLive = new AtomicLong();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener;

    private ResourceMeter(long mappedBytes) {
        this.mappedBytes = mappedBytes;
        this.listener = (notification, handback) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                long used = 0;
                for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
                    used += u.getUsed();
                }
                peakLive.accumulateAndGet(used, Math::max);
            }
        };
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
        this.start = System.nanoTime();
    }

    /** Starts measuring; {@code mappedBytes} is the size of the weight files the stretch maps. */
    public static ResourceMeter start(long mappedBytes) {
        return new ResourceMeter(mappedBytes);
    }

    /** Seconds since {@link #start}. */
    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Peak live heap (after a collection) since {@link #start} + the mapped weights. A collection is requested
     * first so that a stretch too short to trigger one still reports its live data.
     */
    public long peakBytes() {
        System.gc();
        long used = 0;
        for (var p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == java.lang.management.MemoryType.HEAP && p.isValid()) {
                used += p.getUsage().getUsed();
            }
        }
        return Math.max(peakLive.get(), used) + mappedBytes;
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // already gone: nothing to undo
            }
        }
    }

    /** The process's peak resident set (VmHWM) in bytes, or -1 where /proc is not available. */
    public static long processPeakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Bytes of the safetensors files of model directories (what a run maps). */
    public static long weightBytes(Path... modelDirs) throws IOException {
        long n = 0;
        for (Path d : modelDirs) {
            try (var s = Files.list(d)) {
                for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                    n += Files.size(f);
                }
            }
        }
        return n;
    }
}
