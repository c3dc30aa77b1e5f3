using Agents.Api.Audit;
using Agents.Hosting;
using Agents.Hosting.Audit;
using Agents.Orchestrator.Tests.Persistence;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Agents.Orchestrator.Tests.Api;

/// <summary>The audit trail on the real PostgreSQL, in a database the orchestrator's migrations made (they create <c>audit_log</c>).</summary>
public sealed class AuditTrailTests(StoreDatabase store) : IClassFixture<StoreDatabase>, IAsyncLifetime
{
    private AuditTrail _trail = null!;

    public Task InitializeAsync()
    {
        _trail = new AuditTrail(new AgentsConnections
        {
            RabbitMqUrl = new Uri("amqp://guest:guest@127.0.0.1:5682"), RabbitMqVirtualHost = "/", PostgresConnection = store.ConnectionString,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _trail.DisposeAsync();

    private static AuditEntry Entry(string actor, string action = "incident.rerun", string? detail = null) => new()
    {
        At = DateTimeOffset.UtcNow, Actor = actor, Roles = "operator", AuthMethod = "api-key", Action = action, Target = "id=1",
        RequestId = "r", ClientAddress = "127.0.0.1", Outcome = "succeeded", StatusCode = 202, Detail = detail,
    };

    [Fact]
    public async Task Appends_from_many_writers_at_once_form_one_chain_that_verifies()
    {
        var actor = $"apikey:many-{Guid.NewGuid():N}";
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => _trail.Append(Entry(actor, detail: $"#{i}"), CancellationToken.None)));

        var verification = await _trail.Verify(CancellationToken.None);

        Assert.True(verification.Intact, verification.Reason);
        Assert.True(verification.Rows >= 40);
        Assert.Equal(40, (await _trail.List(new AuditTrail.Query(actor, null, null, null, null, null, 500), CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_time_filter_with_an_offset_means_the_same_instant()
    {
        var actor = $"apikey:time-{Guid.NewGuid():N}";
        var written = await _trail.Append(Entry(actor), CancellationToken.None);
        var sinceInBerlin = written.At.AddSeconds(-1).ToOffset(TimeSpan.FromHours(2));

        var found = await _trail.List(new AuditTrail.Query(actor, null, null, sinceInBerlin, null, null, 10), CancellationToken.None);
        var none = await _trail.List(new AuditTrail.Query(actor, null, null, written.At.AddSeconds(1).ToOffset(TimeSpan.FromHours(-5)), null, null, 10), CancellationToken.None);

        Assert.Equal(written.Hash, Assert.Single(found).Hash);
        Assert.Empty(none);
    }

    [Fact]
    public async Task An_action_that_throws_is_recorded_as_the_500_the_client_gets_and_text_postgres_refuses_is_cleaned()
    {
        var middleware = new AuditMiddleware(_ => throw new InvalidOperationException("the saga blew up"), _trail, TimeProvider.System, NullLogger<AuditMiddleware>.Instance);
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        var actor = $"apikey:throws-{Guid.NewGuid():N}";
        http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new(Agents.Api.Security.ApiIdentity.ActorClaim, actor), new(Agents.Api.Security.ApiIdentity.MethodClaim, "api-key")], "ApiKey"));
        http.SetEndpoint(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(new Agents.Api.Security.AuditedAction("incident.resolve")), "resolve"));
        AuditMiddleware.Describe(http, "note=bad\0byte and a lone \ud800 surrogate");

        await Assert.ThrowsAsync<InvalidOperationException>(() => middleware.InvokeAsync(http));

        var row = Assert.Single(await _trail.List(new AuditTrail.Query(actor, null, null, null, null, null, 10), CancellationToken.None));
        Assert.Equal(("incident.resolve", "failed", 500), (row.Action, row.Outcome, row.StatusCode));
        Assert.Equal("note=bad\uFFFDbyte and a lone \uFFFD surrogate", row.Detail);
        Assert.True((await _trail.Verify(CancellationToken.None)).Intact);
    }

    [Fact]
    public async Task An_operator_action_is_not_done_when_the_trail_cannot_be_written()
    {
        await using var broken = new AuditTrail(new AgentsConnections
        {
            RabbitMqUrl = new Uri("amqp://guest:guest@127.0.0.1:5682"), RabbitMqVirtualHost = "/",
            PostgresConnection = new NpgsqlConnectionStringBuilder(store.ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString,
        });
        var ran = false;
        var middleware = new AuditMiddleware(_ => { ran = true; return Task.CompletedTask; }, broken, TimeProvider.System, NullLogger<AuditMiddleware>.Instance);
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection()
            .AddLogging().AddProblemDetails().BuildServiceProvider() };
        http.Request.Method = "POST";
        http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new(Agents.Api.Security.ApiIdentity.ActorClaim, "apikey:x"), new(Agents.Api.Security.ApiIdentity.MethodClaim, "api-key")], "ApiKey"));
        http.SetEndpoint(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(new Agents.Api.Security.AuditedAction("dead-letter.purge")), "purge"));

        await middleware.InvokeAsync(http);

        Assert.False(ran);
        Assert.Equal(503, http.Response.StatusCode);
    }

    [Theory]
    [InlineData("plain", 10, "plain")]
    [InlineData("a\0b", 10, "a\uFFFDb")]
    [InlineData("0123456789abc", 10, "012345678…")]
    [InlineData("01234567\ud83d\ude00xyz", 10, "01234567…")]
    public void Audit_text_is_bounded_and_storable(string value, int max, string expected) =>
        Assert.Equal(expected, Agents.Contracts.StorableText.Bounded(value, max));
}
