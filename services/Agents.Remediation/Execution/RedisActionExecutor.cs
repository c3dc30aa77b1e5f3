using Agents.Remediation.Runbooks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Agents.Remediation.Execution;

/// <summary>
/// Runs <see cref="RedisStep"/>s with <c>StackExchange.Redis</c> on the cache of <see cref="RemediationRedisOptions"/>:
/// for each key pattern, SCAN (COUNT 500) on every primary and UNLINK of what it finds in batches, counting the keys
/// removed; FLUSHDB only when the step says <c>flush: true</c>. A step stops after
/// <see cref="RemediationRedisOptions.MaxKeys"/> keys and fails saying so (the rest is left). The configuration string
/// may hold a password: it never appears in a summary (a message that would carry it has it replaced).
/// </summary>
public sealed class RedisActionExecutor(IOptions<RemediationRedisOptions> options) : IActionExecutor, IAsyncDisposable
{
    public const int ScanPageSize = 500;

    private readonly RemediationRedisOptions _options = options.Value;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    public string Kind => RedisStep.KindName;

    public string DescribeTarget(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (step is not RedisStep redis)
        {
            return "redis";
        }

        var what = redis.Unlink.Select(p => $"keys matching {RunbookCatalog.RenderRun(p, parameters, v => v, "(not set)")}").ToList();
        if (redis.Flush)
        {
            what.Add("the whole database (flush)");
        }

        return $"redis: {string.Join(", ", what)}";
    }

    public string? ValidateTarget(ExecutorStep step, ActionTarget target) =>
        string.IsNullOrWhiteSpace(_options.Configuration) ? "no Redis is configured (Remediation__Redis__Configuration)" : null;

    public async Task<StepResult> RunAsync(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (step is not RedisStep redis)
        {
            return StepResult.Failure($"redis: not a redis step ({step.Kind})");
        }

        if (ValidateTarget(step, target) is { } refusal)
        {
            return StepResult.Failure($"refused: {refusal}");
        }

        var patterns = redis.Unlink.Select(p => RunbookCatalog.RenderRun(p, parameters, v => v)).ToList();
        if (patterns.FirstOrDefault(p => p.Any(char.IsWhiteSpace) || p.All(c => c is '*' or '?' or '[' or ']' or '^' or '-')) is { } bad)
        {
            return StepResult.Failure($"refused: the key pattern '{bad}' is empty, holds whitespace or matches every key");
        }

        try
        {
            var connection = await ConnectAsync(ct);
            var database = connection.GetDatabase();
            var lines = new List<string>();
            var removedInStep = 0L;
            foreach (var pattern in patterns)
            {
                var (removed, stopped) = await UnlinkAsync(connection, database, pattern, _options.MaxKeys - removedInStep, ct);
                removedInStep += removed;
                lines.Add($"removed {removed} {(removed == 1 ? "key" : "keys")} matching {pattern}");
                if (stopped)
                {
                    return StepResult.Failure(
                        $"{string.Join("; ", lines)}; stopped at the limit of {_options.MaxKeys} keys (Remediation__Redis__MaxKeys), more keys may match and were left");
                }
            }

            if (redis.Flush)
            {
                await database.ExecuteAsync("FLUSHDB").WaitAsync(_options.Timeout, ct);
                lines.Add($"flushed database {database.Database}");
            }

            return StepResult.Success(string.Join("; ", lines));
        }
        catch (ArgumentException)
        {
            return StepResult.Failure("redis: Remediation__Redis__Configuration is not a valid StackExchange.Redis configuration string");
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return StepResult.Failure($"redis: {Scrub(e.Message)}");
        }
    }

    /// <summary>SCAN + UNLINK of one pattern on every primary, at most <paramref name="budget"/> keys; whether it stopped at the budget.</summary>
    private async Task<(long Removed, bool Stopped)> UnlinkAsync(ConnectionMultiplexer connection, IDatabase database, string pattern, long budget, CancellationToken ct)
    {
        var removed = 0L;
        foreach (var server in connection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var batch = new List<RedisKey>(ScanPageSize);
            await foreach (var key in server.KeysAsync(database.Database, pattern, ScanPageSize).WithCancellation(ct))
            {
                if (removed + batch.Count >= budget)
                {
                    removed += await UnlinkBatchAsync(database, batch, ct);
                    return (removed, true);
                }

                batch.Add(key);
                if (batch.Count == ScanPageSize)
                {
                    removed += await UnlinkBatchAsync(database, batch, ct);
                    batch.Clear();
                }
            }

            removed += await UnlinkBatchAsync(database, batch, ct);
        }

        return (removed, false);
    }

    private async Task<long> UnlinkBatchAsync(IDatabase database, List<RedisKey> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return 0;
        }

        var result = await database.ExecuteAsync("UNLINK", keys.Select(k => (object)k).ToArray()).WaitAsync(_options.Timeout, ct);
        return (long)result;
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken ct)
    {
        if (_connection is { } existing)
        {
            return existing;
        }

        await _connecting.WaitAsync(ct);
        try
        {
            if (_connection is null)
            {
                var configuration = ConfigurationOptions.Parse(_options.Configuration!);
                configuration.AllowAdmin = true; // FLUSHDB, when a runbook asks for it
                configuration.AbortOnConnectFail = true;
                configuration.ConnectTimeout = (int)_options.Timeout.TotalMilliseconds;
                configuration.SyncTimeout = (int)_options.Timeout.TotalMilliseconds;
                configuration.AsyncTimeout = (int)_options.Timeout.TotalMilliseconds;
                _connection = await ConnectionMultiplexer.ConnectAsync(configuration).WaitAsync(_options.Timeout + TimeSpan.FromSeconds(1), ct);
            }

            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>A message with the configured password (if any) replaced.</summary>
    private string Scrub(string message)
    {
        try
        {
            var password = ConfigurationOptions.Parse(_options.Configuration ?? "").Password;
            return string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync();
        }

        _connecting.Dispose();
    }
}
