using System.Diagnostics;

namespace MillionX.Pipeline.Tests.Support;

/// <summary>
/// Real servers the tests run (redis-server, later Chromium) come from Debian. So that `dotnet test` alone works on
/// a fresh machine, a missing one is installed with apt-get when the tests run as root (as on CI and the
/// development machines); otherwise the test fails with the command to run.
/// </summary>
public static class DebianPackages
{
    private static readonly Lock Gate = new();

    public static string Require(string binaryPath, string package)
    {
        lock (Gate)
        {
            if (File.Exists(binaryPath))
            {
                return binaryPath;
            }

            if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root")
            {
                Run("apt-get", "update", "-qq");
                Run("apt-get", "install", "-y", "-qq", "--no-install-recommends", package);
            }

            return File.Exists(binaryPath)
                ? binaryPath
                : throw new InvalidOperationException($"{binaryPath} is missing: run `apt-get install -y {package}` (.ci/run does this).");
        }
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
    }
}
