using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Agents.Testing;
using Npgsql;

namespace Agents.EndToEnd.Tests;

/// <summary>
/// Secrets and defaults, on real service processes in the Production environment: started with a broker URL or a
/// database connection whose password is wrong (a marker unique to the run), a service fails to connect and says so,
/// and the password appears nowhere in what it printed; started without the settings, it refuses to start and names
/// the variable to set, instead of falling back to the local servers' defaults.
/// </summary>
public sealed class SecretsTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _marker = $"WrongPw{Guid.NewGuid():N}";
    private readonly string _vhost = $"agents-e2e-secrets-{Guid.NewGuid():N}"[..32];
    private readonly HttpClient _management = ManagementClient();
    private readonly List<ServiceProcess> _processes = [];
    private FreshDatabase? _database;

    public async Task InitializeAsync()
    {
        var vhost = Uri.EscapeDataString(_vhost);
        using (var created = await _management.PutAsync($"api/vhosts/{vhost}", null))
        {
            created.EnsureSuccessStatusCode();
        }

        using (var permitted = await _management.PutAsJsonAsync(
            $"api/permissions/{vhost}/{Uri.EscapeDataString(TestEnvironment.ManagementUser)}", new { configure = ".*", write = ".*", read = ".*" }))
        {
            permitted.EnsureSuccessStatusCode();
        }

        _database = await FreshDatabase.Create("agents_e2e_secrets");
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        using (await _management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(_vhost)}"))
        {
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _management.Dispose();
    }

    /// <summary>
    /// What each service prints when it cannot log in: RabbitMQ's refusal (its connection retried while the bus
    /// starts), or PostgreSQL's SQLSTATE 28P01 (the orchestrator's migration, the scheduler's job store, the context's
    /// deploy log, all at start-up).
    /// </summary>
    [Theory]
    [InlineData("orchestrator", "broker")]
    [InlineData("scheduler", "broker")]
    [InlineData("context", "broker")]
    [InlineData("triage", "broker")]
    [InlineData("orchestrator", "database")]
    [InlineData("scheduler", "database")]
    [InlineData("context", "database")]
    public async Task A_wrong_password_is_never_printed_when_the_service_fails_to_log_in(string service, string wrong)
    {
        var broker = new UriBuilder(TestEnvironment.RabbitMqUrl);
        var database = new NpgsqlConnectionStringBuilder(_database!.ConnectionString);
        string failure;
        if (wrong == "broker")
        {
            broker.Password = _marker;
            failure = "ACCESS_REFUSED";
        }
        else
        {
            database.Password = _marker;
            failure = "28P01";
        }

        var process = Start(service, new Dictionary<string, string>
        {
            ["RABBITMQ_URL"] = broker.Uri.ToString(),
            ["RABBITMQ_VHOST"] = _vhost,
            ["POSTGRES_CONNECTION"] = database.ConnectionString,
            // Every category at Debug: an operator who turns the logs up must not get the password either.
            ["Logging__LogLevel__Default"] = "Debug",
        });
        Assert.Contains(_marker, broker.Uri.ToString() + database.ConnectionString, StringComparison.Ordinal);

        await WaitUntil(process, () => Printed(process, failure) || process.HasExited, $"{service} to report its failed login ({failure}) or exit");
        if (process.HasExited)
        {
            // Its last lines may still be in the pipe when it is seen to have exited.
            using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.Exited(drained.Token);
        }

        Assert.True(Printed(process, failure), $"{service} exited without reporting the failed login ({failure}): the test proves nothing{Environment.NewLine}{process.RecentOutput}");
        AssertNoMarker(process);
    }

    [Theory]
    [InlineData("orchestrator")]
    [InlineData("scheduler")]
    [InlineData("context")]
    [InlineData("triage")]
    public async Task Without_a_broker_url_a_service_refuses_to_start_naming_the_variable(string service)
    {
        // Blank, as an unset ${VARIABLE} in a compose file or a manifest gives it; this also hides the test run's own.
        var process = Start(service, new Dictionary<string, string>
        {
            ["RABBITMQ_URL"] = "",
            ["RABBITMQ_VHOST"] = "",
            ["POSTGRES_CONNECTION"] = "",
        });

        await AssertRefusedToStart(process, "RABBITMQ_URL is not set");
    }

    [Theory]
    [InlineData("orchestrator")]
    [InlineData("scheduler")]
    [InlineData("context")]
    public async Task Without_a_database_connection_a_service_that_uses_one_refuses_to_start_naming_the_variable(string service)
    {
        var process = Start(service, new Dictionary<string, string>
        {
            ["RABBITMQ_URL"] = TestEnvironment.RabbitMqUrl,
            ["RABBITMQ_VHOST"] = _vhost,
            ["POSTGRES_CONNECTION"] = "",
        });

        await AssertRefusedToStart(process, "POSTGRES_CONNECTION is not set");
    }

    [Fact]
    public async Task Without_a_database_connection_a_service_that_uses_none_starts()
    {
        var process = Start("triage", new Dictionary<string, string>
        {
            ["RABBITMQ_URL"] = TestEnvironment.RabbitMqUrl,
            ["RABBITMQ_VHOST"] = _vhost,
            ["POSTGRES_CONNECTION"] = "",
        });

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await process.WaitReady(http, Patience);
    }

    private ServiceProcess Start(string service, Dictionary<string, string> environment)
    {
        environment["Orchestrator__WorkflowPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml");
        // All of it (Debug is verbose): the check must see every line.
        var process = ServiceProcess.Start(service, environment, keep: 100_000);
        _processes.Add(process);
        return process;
    }

    private async Task AssertRefusedToStart(ServiceProcess process, string message)
    {
        // Its output may still be on its way when it has exited: wait for both.
        await WaitUntil(process, () => process.HasExited && Printed(process, message), $"{process.Name} to exit saying '{message}'");

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(process.Output, line => line.Contains("Development", StringComparison.Ordinal));
        // Not the local defaults either: nothing fell back to them, and nothing prints them.
        Assert.DoesNotContain(process.Output, line => line.Contains("guest:guest", StringComparison.Ordinal) || line.Contains("Password=agents", StringComparison.Ordinal));
        Assert.DoesNotContain(process.Output, line => line.Contains("Now listening on", StringComparison.Ordinal));
    }

    private void AssertNoMarker(ServiceProcess process)
    {
        Assert.True(process.DroppedLines == 0, $"{process.Name} printed more lines than were kept: the check would miss some");
        var leaks = process.Output.Where(line => line.Contains(_marker, StringComparison.Ordinal)).ToList();
        Assert.True(leaks.Count == 0, $"{process.Name} printed the password:{Environment.NewLine}{string.Join(Environment.NewLine, leaks)}");
    }

    private static bool Printed(ServiceProcess process, string text) =>
        process.Output.Any(line => line.Contains(text, StringComparison.Ordinal));

    private static async Task WaitUntil(ServiceProcess process, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}:{Environment.NewLine}{process.RecentOutput}");
            await Task.Delay(100);
        }
    }

    private static HttpClient ManagementClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(TestEnvironment.ManagementUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEnvironment.ManagementUser}:{TestEnvironment.ManagementPassword}")));
        return client;
    }
}
