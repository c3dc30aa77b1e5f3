using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Agents.Hosting.Remediation;

/// <summary>The global kill switch as read: engaged or not, and by whom and why.</summary>
/// <param name="Engaged">True: no remediation is executed anywhere.</param>
/// <param name="Source"><c>config</c> (<c>Remediation__KillSwitch=true</c>), <c>database</c>, or null when not engaged and never set.</param>
public sealed record KillSwitchState(bool Engaged, string? Source = null, string? Reason = null, string? SetBy = null, DateTimeOffset? SetAt = null)
{
    /// <summary>The state for people, e.g. <c>engaged by alice at 2026-12-07 06:00 UTC: bad deploy tooling</c>.</summary>
    public string Describe() => (Engaged, Source) switch
    {
        (true, KillSwitch.ConfigSource) => $"engaged by configuration ({KillSwitch.ConfigKey.Replace(":", "__", StringComparison.Ordinal)}=true)",
        (true, _) => $"engaged by {SetBy} at {SetAt?.UtcDateTime:yyyy-MM-dd HH:mm} UTC{(Reason is null ? "" : $": {Reason}")}",
        (false, null) => "released",
        _ => $"released by {SetBy} at {SetAt?.UtcDateTime:yyyy-MM-dd HH:mm} UTC{(Reason is null ? "" : $": {Reason}")}",
    };
}

/// <summary>
/// The global remediation kill switch: while engaged, no remediation is executed anywhere (dry runs and approval
/// requests still are). Engaged by configuration (<c>Remediation__KillSwitch=true</c>, for the remediation service's
/// own deployment) or by the flag in PostgreSQL (<c>remediation.kill_switch</c>), which the API sets and releases. The
/// flag is read on every check: setting it takes effect at the next action step, in every replica.
/// </summary>
public sealed class KillSwitch(AgentsConnections connections, IConfiguration configuration, TimeProvider clock) : IAsyncDisposable
{
    /// <summary>The configuration key that engages the switch whatever the flag says.</summary>
    public const string ConfigKey = "Remediation:KillSwitch";

    public const string ConfigSource = "config";

    public const string DatabaseSource = "database";

    private readonly Lazy<NpgsqlDataSource> _data = new(() => NpgsqlDataSource.Create(connections.PostgresConnection));

    /// <summary>True when the configuration engages the switch (read each time: reloadable configuration applies).</summary>
    public bool EngagedByConfiguration => bool.TryParse(configuration[ConfigKey], out var engaged) && engaged;

    /// <summary>The switch's state: the configuration first, then the flag. A missing table reads as never set.</summary>
    public async Task<KillSwitchState> ReadAsync(CancellationToken ct)
    {
        if (EngagedByConfiguration)
        {
            return new KillSwitchState(true, ConfigSource);
        }

        try
        {
            await using var command = _data.Value.CreateCommand($"SELECT engaged, reason, set_by, set_at FROM {RemediationLedgerSchema.KillSwitchTable}");
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return new KillSwitchState(false);
            }

            return new KillSwitchState(
                reader.GetBoolean(0),
                DatabaseSource,
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return new KillSwitchState(false);
        }
    }

    /// <summary>Engages (<paramref name="engaged"/> true) or releases the flag in PostgreSQL. The configuration switch is not changed by this.</summary>
    public async Task<KillSwitchState> SetAsync(bool engaged, string setBy, string? reason, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(setBy);
        var now = clock.GetUtcNow();
        await using var command = _data.Value.CreateCommand($"""
            INSERT INTO {RemediationLedgerSchema.KillSwitchTable} (id, engaged, reason, set_by, set_at) VALUES (true, $1, $2, $3, $4)
            ON CONFLICT (id) DO UPDATE SET engaged = $1, reason = $2, set_by = $3, set_at = $4;
            """);
        command.Parameters.Add(new() { Value = engaged });
        command.Parameters.Add(new() { Value = (object?)reason ?? DBNull.Value });
        command.Parameters.Add(new() { Value = setBy });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(ct);
        return new KillSwitchState(engaged, DatabaseSource, reason, setBy, now);
    }

    public async ValueTask DisposeAsync()
    {
        if (_data.IsValueCreated)
        {
            await _data.Value.DisposeAsync();
        }
    }
}

public static class KillSwitchExtensions
{
    /// <summary>
    /// Registers the <see cref="KillSwitch"/> (for the remediation service, which obeys it, and the API, which sets it).
    /// The API's role needs data rights on <c>remediation.kill_switch</c>; the table is made by the migrations.
    /// </summary>
    public static IHostApplicationBuilder AddRemediationKillSwitch(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<KillSwitch>();
        return builder;
    }
}
