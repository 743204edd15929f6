package org.pkt4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * OpenBLAS's {@code cblas_sgemm}, called through the FFM API: the baseline the GEMM is measured against,
 * in the same process and on the same buffers. Only a benchmark uses it; pkt4j itself has no native code.
 *
 * <p>OpenBLAS picks its kernels once, when the library loads, from {@code OPENBLAS_CORETYPE} or by
 * detecting the CPU. Some machines set that variable to an older core (e.g. Haswell: AVX2 kernels on an
 * AVX-512 machine, ~half the speed), which would make the baseline look weak, so {@link #load} sets or
 * clears it in this process's environment (libc {@code setenv}/{@code unsetenv}) just before loading, and
 * reports the core OpenBLAS then chose. Native access is the point of this class, hence the restricted
 * FFM calls ({@code pkt} runs with {@code --enable-native-access=ALL-UNNAMED}).
 */
@SuppressWarnings("restricted")
public final class OpenBlas {
    /** Where Debian's libopenblas0-pthread (and the generic alternative) put the library. */
    public static final List<Path> CANDIDATES = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"),
            Path.of("/usr/lib/x86_64-linux-gnu/libopenblas.so.0"),
            Path.of("/usr/lib64/libopenblas.so.0"),
            Path.of("/usr/lib/libopenblas.so.0"));

    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private final MethodHandle sgemm;
    private final MethodHandle setThreads;
    private final String coreName;
    private final Path path;

    private OpenBlas(Path path, SymbolLookup lib) throws Throwable {
        Linker linker = Linker.nativeLinker();
        this.path = path;
        this.sgemm = linker.downcallHandle(lib.findOrThrow("cblas_sgemm"), FunctionDescriptor.ofVoid(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        this.setThreads = linker.downcallHandle(lib.findOrThrow("openblas_set_num_threads"),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        Optional<MemorySegment> core = lib.find("openblas_get_corename");
        if (core.isPresent()) {
            MethodHandle h = linker.downcallHandle(core.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
            MemorySegment s = ((MemorySegment) h.invoke()).reinterpret(64);
            this.coreName = s.getString(0);
        } else {
            this.coreName = "unknown";
        }
    }

    /** The first installed library of {@link #CANDIDATES}, if any. */
    public static Optional<Path> find() {
        return CANDIDATES.stream().filter(Files::isRegularFile).findFirst()
                .or(() -> CANDIDATES.stream().filter(Files::exists).findFirst());
    }

    /**
     * Loads the library at {@code path} after setting {@code OPENBLAS_CORETYPE} to {@code coreType} (null or
     * empty: unset, so OpenBLAS detects the CPU). The variable only matters on the first load in a process.
     *
     * @throws IllegalStateException naming the library when it cannot be loaded or lacks cblas_sgemm
     */
    public static OpenBlas load(Path path, String coreType) {
        try {
            setCoreType(coreType);
            return new OpenBlas(path, SymbolLookup.libraryLookup(path, Arena.global()));
        } catch (Throwable t) {
            throw new IllegalStateException(path + ": cannot load OpenBLAS (" + t.getMessage() + ")", t);
        }
    }

    private static void setCoreType(String coreType) throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom("OPENBLAS_CORETYPE");
            if (coreType == null || coreType.isEmpty()) {
                MethodHandle unsetenv = linker.downcallHandle(libc.findOrThrow("unsetenv"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                int rc = (int) unsetenv.invoke(name);
                assert rc == 0;
            } else {
                MethodHandle setenv = linker.downcallHandle(libc.findOrThrow("setenv"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                int rc = (int) setenv.invoke(name, arena.allocateFrom(coreType), 1);
                assert rc == 0;
            }
        }
    }

    public String coreName() {
        return coreName;
    }

    public Path path() {
        return path;
    }

    public void setThreads(int n) {
        try {
            setThreads.invoke(n);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    /** y[m, n] = x[m, k] · w[n, k]ᵀ on native fp32 buffers (row-major), the product {@code MatMul.linear} computes. */
    public void linear(MemorySegment x, int m, int k, MemorySegment w, int n, MemorySegment y) {
        try {
            sgemm.invoke(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1f, x, k, w, k, 0f, y, n);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
