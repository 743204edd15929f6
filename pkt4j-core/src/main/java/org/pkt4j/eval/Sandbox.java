package org.pkt4j.eval;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.pkt4j.io.AtomicFiles;

/**
 * Runs untrusted Python (model-written code and the benchmark's tests) in a {@code python3} subprocess with
 * layered limits, using what the OS offers and saying what is enforced ({@link #enforcement()}):
 * <ul>
 * <li>always: a wall-clock limit (the whole process tree is killed when it passes), stdout and stderr read
 *     with a shared byte cap (a process that floods output is killed), a private temporary directory as
 *     working directory, HOME and TMPDIR (deleted afterwards), an empty environment, {@code python3 -I};</li>
 * <li>{@code prlimit} (else {@code ulimit} in {@code sh}): address space (memory), CPU seconds, file size,
 *     open files, processes, no core dumps;</li>
 * <li>{@code unshare --net --pid --fork --kill-child} when permitted (as root, or through a user namespace):
 *     no network, and killing the sandbox kills every process it started — a fork bomb cannot outlive it
 *     because the kernel kills a PID namespace's members when its first process dies;</li>
 * <li>as root, {@code setpriv} to {@code nobody} (65534): the process-count limit (RLIMIT_NPROC) is not
 *     enforced for root, so privileges are dropped before Python starts, and the code cannot write outside
 *     world-writable places; {@code --pdeathsig KILL} makes Python die with its parent even if this JVM is
 *     killed mid-run.</li>
 * </ul>
 * Without a PID namespace the sandbox starts Python in its own session ({@code setsid}) and kills the
 * process group. Without any Python 3 the sandbox is unavailable and says why; code tasks are then skipped.
 * Not done: a private /tmp mount and cgroup limits (the RLIMITs bound each process, not their sum).
 */
public final class Sandbox {

    /** What a run may use. */
    public record Limits(Duration wallClock, long memoryBytes, long outputBytes, int maxProcesses, long fileBytes) {
        public Limits {
            if (wallClock.isNegative() || wallClock.isZero() || memoryBytes <= 0 || outputBytes <= 0 || maxProcesses < 1 || fileBytes <= 0) {
                throw new IllegalArgumentException("sandbox limits must be positive, got " + wallClock + ", " + memoryBytes
                        + " B memory, " + outputBytes + " B output, " + maxProcesses + " processes, " + fileBytes + " B files");
            }
        }

        /** 10 s wall clock, 1 GiB address space, 1 MiB of output, 64 processes, 16 MiB per file. */
        public static Limits defaults() {
            return new Limits(Duration.ofSeconds(10), 1L << 30, 1L << 20, 64, 16L << 20);
        }

        public Limits withWallClock(Duration d) {
            return new Limits(d, memoryBytes, outputBytes, maxProcesses, fileBytes);
        }
    }

    /** How a run ended. */
    public enum Status {
        /** Exit status 0: every assert held. */
        PASSED,
        /** A non-zero exit: an assertion, exception or syntax error. */
        FAILED,
        /** The wall-clock or CPU limit was reached; the process tree was killed. */
        TIMEOUT,
        /** The memory limit was reached (Python raised MemoryError, or the process died for it). */
        MEMORY,
        /** stdout + stderr exceeded the output cap; the process tree was killed. */
        OUTPUT_LIMIT
    }

    /** The outcome of one run; output is what was read before the cap (UTF-8, malformed bytes replaced). */
    public record Execution(Status status, int exitCode, String stdout, String stderr, double seconds) {
        public boolean passed() {
            return status == Status.PASSED;
        }
    }

    private static final int NOBODY = 65534;
    private static final int SIGXCPU = 24;

    private final Limits limits;
    private final Path tmpRoot;
    private final Tools tools;
    private final String python;
    private final List<String> isolation;
    /** The setpriv command that drops to nobody before python starts, or empty. */
    private final List<String> dropToNobody;
    private final String enforcement;
    private final String unavailable;

    private Sandbox(Limits limits, Path tmpRoot, Tools tools, String python, List<String> isolation, List<String> dropToNobody,
                    String enforcement, String unavailable) {
        this.limits = limits;
        this.tmpRoot = tmpRoot;
        this.tools = tools;
        this.python = python;
        this.isolation = isolation;
        this.dropToNobody = dropToNobody;
        this.enforcement = enforcement;
        this.unavailable = unavailable;
    }

    /**
     * Detects python3 (every {@code python3} on the search path, resolved to the real interpreter, since a
     * shim under a private home cannot run as {@code nobody}) and the strongest isolation that runs it,
     * trying each combination with a trivial program, strongest first.
     *
     * @param tmpRoot    where the private directories are created; it must be traversable by {@code nobody}
     *                   (e.g. /tmp) for the privilege drop to be usable
     * @param searchPath the directories to look for python3 and the tools in, ':'-separated (the CLI passes $PATH)
     */
    public static Sandbox detect(Limits limits, Path tmpRoot, String searchPath) {
        Tools tools = new Tools(searchPath);
        List<String> pythons = pythonCandidates(tools);
        if (pythons.isEmpty()) {
            return new Sandbox(limits, tmpRoot, tools, null, List.of(), List.of(), "none",
                    "python3 not found on PATH: code tasks (humaneval, mbpp) cannot run their tests");
        }
        boolean root = "root".equals(ProcessHandle.current().info().user().orElse(""));
        String setpriv = tools.find("setpriv");
        String unshare = tools.find("unshare");
        String setsid = tools.find("setsid");
        // setpriv clears the parent-death signal that unshare --kill-child set (credentials change); --pdeathsig
        // sets it again so that python dies with unshare even if this JVM dies mid-run (util-linux >= 2.33)
        List<List<String>> drops = setpriv == null || !root ? List.of() : List.of(
                List.of(setpriv, "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--no-new-privs", "--pdeathsig", "KILL", "--"),
                List.of(setpriv, "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--no-new-privs", "--"));
        List<String> session = setsid == null ? List.of() : List.of(setsid, "--wait", "--");
        List<List<List<String>>> configs = new ArrayList<>();
        if (unshare != null) {
            List<String> ns = List.of(unshare, "--net", "--pid", "--fork", "--kill-child", "--");
            drops.forEach(d -> configs.add(List.of(ns, d)));
            configs.add(List.of(List.of(unshare, "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child", "--"), List.of()));
            if (root) {
                configs.add(List.of(ns, List.of()));
            }
        }
        drops.forEach(d -> configs.add(List.of(session, d)));
        configs.add(List.of(session, List.of()));
        for (List<List<String>> cfg : configs) {
            for (String py : pythons) {
                Sandbox s = new Sandbox(limits, tmpRoot, tools, py, cfg.get(0), cfg.get(1),
                        describe(tools, cfg.get(0), cfg.get(1), root), null);
                try {
                    Execution e = s.run("print(6 * 7)");
                    if (e.passed() && e.stdout().strip().equals("42")) {
                        return s;
                    }
                } catch (IOException ignored) {
                    // this combination cannot start here; the next, weaker one is tried
                }
            }
        }
        return new Sandbox(limits, tmpRoot, tools, null, List.of(), List.of(), "none",
                "python3 was found (" + String.join(", ", pythons) + ") but could not run a trivial program");
    }

    public boolean available() {
        return python != null;
    }

    /** Why code cannot run here, or null when it can. */
    public String unavailableReason() {
        return unavailable;
    }

    /** What this sandbox enforces, in words (goes into results.json). */
    public String enforcement() {
        return enforcement;
    }

    /** The interpreter used, or null. */
    public String python() {
        return python;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Runs {@code program} as {@code main.py} in a fresh private directory and returns how it ended. The
     * directory and every process the program started are gone when this returns.
     */
    public Execution run(String program) throws IOException {
        if (python == null) {
            throw new IllegalStateException(unavailable);
        }
        Files.createDirectories(tmpRoot);
        Path dir = Files.createTempDirectory(tmpRoot, "pkt4j-sandbox-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Path main = dir.resolve("main.py");
            Files.writeString(main, program, StandardCharsets.UTF_8);
            if (!dropToNobody.isEmpty()) {
                for (Path p : List.of(dir, main)) {
                    Files.setAttribute(p, "unix:uid", NOBODY);
                    Files.setAttribute(p, "unix:gid", NOBODY);
                }
            }
            return execute(command(main), dir);
        } finally {
            AtomicFiles.deleteRecursively(dir);
        }
    }

    private List<String> command(Path main) {
        List<String> cmd = new ArrayList<>(rlimits());
        cmd.addAll(isolation);
        cmd.addAll(dropToNobody);
        cmd.addAll(List.of(python, "-I", "-B", main.toString()));
        return cmd;
    }

    private List<String> rlimits() {
        long cpu = limits.wallClock().toSeconds() + 1;
        String prlimit = tools.find("prlimit");
        if (prlimit != null) {
            return List.of(prlimit, "--as=" + limits.memoryBytes(), "--cpu=" + cpu, "--fsize=" + limits.fileBytes(),
                    "--nproc=" + limits.maxProcesses(), "--nofile=256", "--core=0", "--");
        }
        // POSIX sh fallback; dash spells the process limit -p, bash -u; a limit the shell lacks is skipped
        String script = "ulimit -v " + (limits.memoryBytes() >> 10) + " 2>/dev/null; ulimit -t " + cpu + " 2>/dev/null; "
                + "ulimit -f " + (limits.fileBytes() >> 9) + " 2>/dev/null; ulimit -n 256 2>/dev/null; ulimit -c 0 2>/dev/null; "
                + "ulimit -u " + limits.maxProcesses() + " 2>/dev/null || ulimit -p " + limits.maxProcesses() + " 2>/dev/null; exec \"$@\"";
        return List.of("/bin/sh", "-c", script, "sh");
    }

    private Execution execute(List<String> cmd, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(new File("/dev/null"));
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", dir.toString());
        env.put("TMPDIR", dir.toString());
        env.put("LANG", "C.UTF-8");
        long t0 = System.nanoTime();
        Process p = pb.start();
        AtomicLong total = new AtomicLong();
        AtomicBoolean flooded = new AtomicBoolean();
        CappedReader out = new CappedReader(p.getInputStream(), total, flooded, limits.outputBytes(), p);
        CappedReader err = new CappedReader(p.getErrorStream(), total, flooded, limits.outputBytes(), p);
        out.start();
        err.start();
        boolean finished;
        try {
            finished = p.waitFor(limits.wallClock().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + dir, e);
        }
        killTree(p);
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.finish();
        err.finish();
        int exit = finished ? p.exitValue() : -1;
        String stderr = err.text();
        Status status;
        if (flooded.get()) {
            status = Status.OUTPUT_LIMIT;
        } else if (!finished || exit == 128 + SIGXCPU) {
            status = Status.TIMEOUT;
        } else if (exit == 0) {
            status = Status.PASSED;
        } else if (stderr.contains("MemoryError")) {
            status = Status.MEMORY;
        } else {
            status = Status.FAILED;
        }
        return new Execution(status, exit, out.text(), stderr, seconds);
    }

    /**
     * Kills the process and everything under it. With a PID namespace killing the first process is enough
     * (the kernel kills the namespace); without one, the session's process group is killed too, and the
     * descendants are swept until none is left, since a fork bomb can outrun a single pass.
     */
    private void killTree(Process p) {
        String kill = tools.find("kill");
        boolean ownSession = !isolation.isEmpty() && isolation.getFirst().endsWith("/setsid");
        if (ownSession && kill != null) {
            try {
                new ProcessBuilder(kill, "-KILL", "--", "-" + p.pid()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
            } catch (IOException ignored) {
                // the sweep below still runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int pass = 0; pass < 100; pass++) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            if (p.isAlive()) {
                // only while alive: Process.destroy also closes our ends of the pipes, which would drop output
                // of a finished program that the readers have not consumed yet (seen in ~1% of runs)
                p.destroyForcibly();
            }
            try {
                if (p.waitFor(50, TimeUnit.MILLISECONDS) && p.descendants().findAny().isEmpty()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Reads one stream into memory up to the shared cap; past it, flags the flood and kills the process. */
    private static final class CappedReader extends Thread {
        private final InputStream in;
        private final AtomicLong total;
        private final AtomicBoolean flooded;
        private final long cap;
        private final Process process;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        CappedReader(InputStream in, AtomicLong total, AtomicBoolean flooded, long cap, Process process) {
            super("pkt4j-sandbox-reader");
            setDaemon(true);
            this.in = in;
            this.total = total;
            this.flooded = flooded;
            this.cap = cap;
            this.process = process;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    // closed under us: the process was killed, or finish() gave up on an escaped writer
                    return;
                }
                if (n < 0) {
                    return;
                }
                long before = total.getAndAdd(n);
                long room = Math.max(0, cap - before);
                synchronized (kept) {
                    kept.write(buf, 0, (int) Math.min(n, room));
                }
                if (before + n > cap) {
                    flooded.set(true);
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    return;
                }
            }
        }

        /**
         * Waits for the stream's end (prompt once the process tree is dead: no writer is left), but closes a pipe
         * still held open by an escaped process after ten seconds (possible only without a PID namespace).
         */
        void finish() {
            try {
                join(10_000);
                if (isAlive()) {
                    in.close();
                    join(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // closing a pipe we no longer need
            }
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static String describe(Tools tools, List<String> iso, List<String> drop, boolean root) {
        List<String> parts = new ArrayList<>();
        parts.add("wall-clock limit, process tree killed on timeout, output cap, private temp dir");
        parts.add(tools.find("prlimit") != null ? "prlimit: address space, CPU, file size, open files, processes"
                : "sh ulimit: address space, CPU, file size, open files, processes where the shell supports them");
        if (iso.contains("--pid")) {
            parts.add((iso.contains("--user") ? "user namespace, " : "") + "no network, own PID namespace");
        } else {
            parts.add((iso.isEmpty() ? "no setsid: descendants swept" : "own session (process group killed)") + "; network NOT isolated");
        }
        if (!drop.isEmpty()) {
            parts.add("runs as nobody (65534)" + (drop.contains("--pdeathsig") ? ", dies with its parent" : ""));
        } else if (root) {
            parts.add("runs as root: the process-count limit is NOT enforced");
        }
        return String.join("; ", parts);
    }

    /** Every distinct real interpreter behind a {@code python3} on the search path (shims resolved), in order. */
    private static List<String> pythonCandidates(Tools tools) {
        Set<String> out = new LinkedHashSet<>();
        for (String exe : tools.findAll("python3", false)) {
            String real = realInterpreter(exe);
            if (real != null) {
                out.add(real);
            }
        }
        return List.copyOf(out);
    }

    private static String realInterpreter(String exe) {
        try {
            Process p = new ProcessBuilder(exe, "-I", "-c", "import sys; print(sys.version_info[0], sys.executable)")
                    .redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
            byte[] all = p.getInputStream().readNBytes(4096);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String[] s = new String(all, StandardCharsets.UTF_8).strip().split(" ", 2);
            if (p.exitValue() != 0 || s.length != 2 || !s[0].equals("3") || s[1].isBlank()) {
                return null;
            }
            return s[1];
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Executables found on an explicit search path; the isolation tools are also looked for in the system
     * directories (a minimal PATH often lacks /usr/sbin), python3 only on the search path.
     */
    private record Tools(String searchPath) {
        List<String> findAll(String name, boolean systemDirs) {
            List<String> out = new ArrayList<>();
            String dirs = (searchPath == null ? "" : searchPath) + (systemDirs ? ":/usr/bin:/bin:/usr/sbin:/sbin" : "");
            for (String d : dirs.split(":")) {
                if (d.isEmpty()) {
                    continue;
                }
                Path p = Path.of(d, name);
                if (Files.isExecutable(p) && !out.contains(p.toString())) {
                    out.add(p.toString());
                }
            }
            return out;
        }

        String find(String name) {
            List<String> all = findAll(name, true);
            return all.isEmpty() ? null : all.getFirst();
        }
    }
}
