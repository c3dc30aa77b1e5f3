using System.Security.Cryptography;
using System.Text;
using Agents.Api;
using Agents.Orchestrator.Tests.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Agents.Orchestrator.Tests.Api;

/// <summary>The API replicas' shared data-protection key ring, in the real PostgreSQL with the migrations applied.</summary>
public sealed class ConsoleKeyRingTests : IAsyncLifetime
{
    private static readonly string KeyHash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("unit-test-key-0123456789")));
    private readonly StoreDatabase _store = new();

    public Task InitializeAsync() => _store.InitializeAsync();

    public Task DisposeAsync() => _store.DisposeAsync();

    [Fact]
    public async Task What_one_replica_protects_another_reads_and_so_does_a_restarted_one()
    {
        // Two replicas running side by side (their buses connect to the local RabbitMQ), then the first stopped and
        // started again.
        await using var first = await Running();
        await using var second = await Running();
        var token = Protector(first).Protect("operator session");
        Assert.Equal("operator session", Protector(second).Unprotect(token));
        await first.StopAsync();
        await using var restarted = await Running();
        Assert.Equal("operator session", Protector(restarted).Unprotect(token));
        await second.StopAsync();
        await restarted.StopAsync();

        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var keys = new NpgsqlCommand("SELECT count(*) FROM data_protection_keys", connection);
        Assert.Equal(1L, await keys.ExecuteScalarAsync());
    }

    private async Task<Microsoft.AspNetCore.Builder.WebApplication> Running()
    {
        var app = ApiApplication.Build(Args());
        await app.StartAsync();
        return app;
    }

    private static IDataProtector Protector(Microsoft.AspNetCore.Builder.WebApplication app) =>
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("console-key-ring-test");

    private string[] Args() =>
    [
        "--environment=Production",
        $"--RABBITMQ_URL={Environment.GetEnvironmentVariable("RABBITMQ_URL") ?? "amqp://guest:guest@127.0.0.1:5682"}",
        "--urls=http://127.0.0.1:0",
        $"--POSTGRES_CONNECTION={_store.ConnectionString}",
        $"--Auth:ApiKeys:unit:Hash={KeyHash}",
        "--Auth:ApiKeys:unit:Role=admin",
    ];
}
