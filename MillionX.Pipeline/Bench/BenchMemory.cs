using System.Runtime.InteropServices;

namespace MillionX.Pipeline.Bench;

/// <summary>
/// Between measurements: each runs its own hosts, which are gone once it ends, so what they allocated is garbage or
/// freed native memory. A full compacting collection returns the managed part to the OS, and <c>malloc_trim</c> the
/// free pages glibc's malloc keeps for reuse (librdkafka's buffers, ONNX Runtime's arena): DuckDB allocates through
/// its own jemalloc and never reuses them, so without the trim the previous measurement's freed memory and the next
/// one's DuckDB would add up in <c>peak_rss_mb</c>. What a measurement itself holds while it runs is untouched.
/// </summary>
internal static partial class BenchMemory
{
    public static void Release()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (musl has no malloc_trim): nothing to hand back this way.
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
