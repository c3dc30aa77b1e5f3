namespace Agents.EndToEnd.Tests;

/// <summary>The local servers, as <c>deploy/local/deps.sh env</c> describes them (test.sh exports it).</summary>
internal static class TestEnvironment
{
    public static string RabbitMqUrl => Require("RABBITMQ_URL");

    public static string ManagementUrl => Require("RABBITMQ_MGMT_URL");

    public static string ManagementUser => Environment.GetEnvironmentVariable("RABBITMQ_MGMT_USER") ?? "guest";

    public static string ManagementPassword => Environment.GetEnvironmentVariable("RABBITMQ_MGMT_PASS") ?? "guest";

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Debug or Release: the services are run from the same configuration as the tests.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name is { } name && name.Equals("Release", StringComparison.OrdinalIgnoreCase) ? "Release" : "Debug";

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: run the tests through ./deploy/local/test.sh, or eval \"$(deploy/local/deps.sh env)\" first.");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Agents.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Agents.sln not found above " + AppContext.BaseDirectory);
    }
}
