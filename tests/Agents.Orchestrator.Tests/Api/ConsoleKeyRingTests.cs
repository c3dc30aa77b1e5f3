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

    [Fact]
    public async Task A_console_session_made_with_a_key_ends_on_a_replica_that_no_longer_has_the_key()
    {
        await using var keeps = await Running();
        await using var removed = await Running(key: "rotated");
        var cookies = new System.Net.CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        var signIn = new Uri(Address(keeps), "/ui/signin");
        var page = await client.GetStringAsync(signIn);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        using var signedIn = await client.PostAsync(signIn, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["key"] = "unit-test-key-0123456789",
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signedIn.StatusCode);

        // The same session on the replica that made it, and on one whose settings no longer have that key (the audit page
        // needs no orchestrator).
        using var onKeeper = await client.GetAsync(new Uri(Address(keeps), "/ui/audit"));
        Assert.Equal(System.Net.HttpStatusCode.OK, onKeeper.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Address(removed), "/ui/audit"));
        request.Headers.Add("Cookie", cookies.GetCookieHeader(new Uri(Address(keeps), "/ui/")));
        using var onRemoved = await new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }).SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, onRemoved.StatusCode);
        Assert.StartsWith("/ui/signin", onRemoved.Headers.Location!.OriginalString.Replace(Address(removed).ToString().TrimEnd('/'), "", StringComparison.Ordinal));

        await keeps.StopAsync();
        await removed.StopAsync();
    }

    private static Uri Address(Microsoft.AspNetCore.Builder.WebApplication app) => new(app.Urls.First());

    private async Task<Microsoft.AspNetCore.Builder.WebApplication> Running(string key = "unit")
    {
        var app = ApiApplication.Build(Args(key));
        await app.StartAsync();
        return app;
    }

    private static IDataProtector Protector(Microsoft.AspNetCore.Builder.WebApplication app) =>
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("console-key-ring-test");

    private string[] Args(string key = "unit") =>
    [
        "--environment=Production",
        $"--RABBITMQ_URL={Environment.GetEnvironmentVariable("RABBITMQ_URL") ?? "amqp://guest:guest@127.0.0.1:5682"}",
        "--urls=http://127.0.0.1:0",
        $"--POSTGRES_CONNECTION={_store.ConnectionString}",
        $"--Auth:ApiKeys:{key}:Hash={KeyHash}",
        $"--Auth:ApiKeys:{key}:Role=admin",
    ];
}
