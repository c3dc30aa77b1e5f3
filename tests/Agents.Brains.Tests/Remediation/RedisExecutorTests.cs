using Agents.Remediation.Execution;
using Agents.Remediation.Runbooks;
using Agents.Testing;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Remediation;

/// <summary>The Redis executor against a real redis-server (started per test class on a free loopback port).</summary>
public sealed class RedisExecutorTests : IAsyncLifetime
{
    private const string Password = "redis-pass-3b7e1c9d";
    private static readonly ActionTarget Orders = new("orders", null);

    private readonly List<RedisActionExecutor> _executors = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.Start(Password);
        await _redis.Command("FLUSHALL");
    }

    public async Task DisposeAsync()
    {
        foreach (var executor in _executors)
        {
            await executor.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Unlinks_the_keys_matching_each_pattern_and_counts_them()
    {
        await _redis.Fill(1234, i => $"orders:cache:{i}");
        await _redis.Fill(7, i => $"orders:session:{i}");
        await _redis.Fill(5, i => $"billing:cache:{i}");

        var result = await Executor().RunAsync(Step("{service}:cache:*"), Service("orders"), Orders, default);

        Assert.Equal(StepResult.Success("removed 1234 keys matching orders:cache:*"), result);
        Assert.Equal(12, await _redis.KeyCount());
        Assert.Equal(":0", await _redis.Command("EXISTS", "orders:cache:17"));
        Assert.Equal(":1", await _redis.Command("EXISTS", "orders:session:3"));
    }

    [Fact]
    public async Task Several_patterns_are_reported_one_by_one_and_nothing_matching_is_zero()
    {
        await _redis.Fill(3, i => $"orders:cache:{i}");
        await _redis.Fill(1, i => $"orders:etag:{i}");

        var result = await Executor().RunAsync(Step("{service}:cache:*", "{service}:etag:*", "{service}:none:*"), Service("orders"), Orders, default);

        Assert.Equal(StepResult.Success("removed 3 keys matching orders:cache:*; removed 1 key matching orders:etag:*; removed 0 keys matching orders:none:*"), result);
        Assert.Equal(0, await _redis.KeyCount());
    }

    [Fact]
    public async Task Never_flushes_unless_the_runbook_says_so()
    {
        await _redis.Fill(4, i => $"orders:cache:{i}");
        await _redis.Fill(9, i => $"other:{i}");

        var unlinked = await Executor().RunAsync(Step("{service}:cache:*"), Service("orders"), Orders, default);
        Assert.Equal(9, await _redis.KeyCount());

        var flushed = await Executor().RunAsync(new RedisStep { Flush = true }, Service("orders"), Orders, default);

        Assert.True(unlinked.Succeeded);
        Assert.Equal(StepResult.Success("flushed database 0"), flushed);
        Assert.Equal(0, await _redis.KeyCount());
    }

    [Fact]
    public async Task Stops_at_max_keys_and_says_so()
    {
        await _redis.Fill(1200, i => $"orders:cache:{i}");

        var result = await Executor(maxKeys: 1000).RunAsync(Step("{service}:cache:*"), Service("orders"), Orders, default);

        Assert.False(result.Succeeded);
        Assert.Equal(
            "removed 1000 keys matching orders:cache:*; stopped at the limit of 1000 keys (Remediation__Redis__MaxKeys), more keys may match and were left",
            result.Summary);
        Assert.Equal(200, await _redis.KeyCount());
    }

    [Fact]
    public async Task Wrong_password_fails_without_showing_it()
    {
        var executor = new RedisActionExecutor(Options.Create(new RemediationRedisOptions
        {
            Configuration = $"127.0.0.1:{_redis.Port},password=not-{Password}",
            Timeout = TimeSpan.FromSeconds(3),
        }));
        _executors.Add(executor);
        await _redis.Fill(2, i => $"orders:cache:{i}");

        var result = await executor.RunAsync(Step("{service}:cache:*"), Service("orders"), Orders, default);

        Assert.False(result.Succeeded);
        Assert.StartsWith("redis: ", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, result.Summary, StringComparison.Ordinal);
        Assert.Equal(2, await _redis.KeyCount());
    }

    [Fact]
    public async Task Unconfigured_redis_is_refused()
    {
        var executor = new RedisActionExecutor(Options.Create(new RemediationRedisOptions()));
        _executors.Add(executor);

        var result = await executor.RunAsync(Step("{service}:cache:*"), Service("orders"), Orders, default);

        Assert.Equal(StepResult.Failure("refused: no Redis is configured (Remediation__Redis__Configuration)"), result);
        Assert.Equal("no Redis is configured (Remediation__Redis__Configuration)", executor.ValidateTarget(Step("x:*"), Orders));
    }

    [Fact]
    public async Task A_value_that_would_widen_the_pattern_to_every_key_is_refused()
    {
        await _redis.Fill(3, i => $"k{i}");

        var result = await Executor().RunAsync(Step("{service}"), Service("*"), Orders, default);

        Assert.False(result.Succeeded);
        Assert.Contains("matches every key", result.Summary, StringComparison.Ordinal);
        Assert.Equal(3, await _redis.KeyCount());
    }

    [Fact]
    public void Describes_the_keys_it_removes()
    {
        Assert.Equal("redis: keys matching orders:cache:*, the whole database (flush)",
            Executor().DescribeTarget(new RedisStep { Unlink = ["{service}:cache:*"], Flush = true }, Service("orders"), Orders));
    }

    private static RedisStep Step(params string[] patterns) => new() { Unlink = patterns };

    private static Dictionary<string, string> Service(string name) => new() { ["service"] = name };

    private RedisActionExecutor Executor(int maxKeys = 100_000)
    {
        var executor = new RedisActionExecutor(Options.Create(new RemediationRedisOptions { Configuration = _redis.Configuration, MaxKeys = maxKeys }));
        _executors.Add(executor);
        return executor;
    }
}
