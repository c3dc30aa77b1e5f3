using Agents.Contracts.Remediation;
using Agents.Hosting.Catalog;
using Agents.Hosting.Remediation;
using Agents.Remediation.Control;
using Agents.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Agents.Brains.Tests.Remediation;

/// <summary>
/// The controls over the real ledger and kill switch in PostgreSQL, on a clock the test moves: each refuses exactly
/// while it should (kill switch, freeze window, cooldown on the target, back-off after repeated failures) and says why.
/// </summary>
public sealed class RemediationControlsTests : IAsyncLifetime
{
    private const string Target = "kubernetes prod/orders deployment/orders";
    private const string Fingerprint = "fp-orders-5xx";

    private static readonly DateTimeOffset Start = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero); // a Monday

    private readonly ManualClock _clock = new(Start);
    private readonly Dictionary<string, string?> _settings = [];
    private FreshDatabase _database = null!;
    private PostgresExecutionLedger _ledger = null!;
    private KillSwitch _killSwitch = null!;

    public async Task InitializeAsync()
    {
        _database = await FreshDatabase.Create("agents_controls");
        _ledger = new PostgresExecutionLedger(ExecutionLedgerTests.Connections(_database.ConnectionString), _clock);
        await _ledger.CreateAsync(CancellationToken.None);
        _killSwitch = new KillSwitch(ExecutionLedgerTests.Connections(_database.ConnectionString), new ConfigurationBuilder().AddInMemoryCollection(_settings).Build(), _clock);
    }

    public async Task DisposeAsync()
    {
        await _killSwitch.DisposeAsync();
        await _ledger.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task With_nothing_recorded_and_no_window_nothing_refuses()
    {
        Assert.Null(await Controls().CheckAsync(Entry(), Target, Fingerprint, CancellationToken.None));
    }

    [Fact]
    public async Task The_kill_switch_refuses_while_the_flag_is_engaged_and_allows_once_released()
    {
        var controls = Controls();
        await _killSwitch.SetAsync(true, "alice", "bad deploy tooling", CancellationToken.None);

        var refusal = await controls.CheckAsync(Entry(), Target, Fingerprint, CancellationToken.None);

        Assert.Equal(RemediationControls.KillSwitchControl, refusal?.Control);
        Assert.Equal("the remediation kill switch is engaged by alice at 2026-12-07 10:00 UTC: bad deploy tooling: nothing is executed until it is released", refusal?.Reason);
        var state = await _killSwitch.ReadAsync(CancellationToken.None);
        Assert.True(state.Engaged);
        Assert.Equal(KillSwitch.DatabaseSource, state.Source);
        Assert.Equal("alice", state.SetBy);

        await _killSwitch.SetAsync(false, "bob", null, CancellationToken.None);
        Assert.Null(await controls.CheckAsync(Entry(), Target, Fingerprint, CancellationToken.None));
        Assert.Equal("released by bob at 2026-12-07 10:00 UTC", (await _killSwitch.ReadAsync(CancellationToken.None)).Describe());
    }

    [Fact]
    public async Task The_kill_switch_in_configuration_refuses_whatever_the_flag_says()
    {
        await _killSwitch.SetAsync(false, "bob", null, CancellationToken.None);
        _settings["Remediation:KillSwitch"] = "true";
        await using var configured = new KillSwitch(ExecutionLedgerTests.Connections(_database.ConnectionString), new ConfigurationBuilder().AddInMemoryCollection(_settings).Build(), _clock);

        var refusal = await Controls(configured).CheckAsync(Entry(), Target, Fingerprint, CancellationToken.None);

        Assert.Equal(RemediationControls.KillSwitchControl, refusal?.Control);
        Assert.Contains("engaged by configuration (Remediation__KillSwitch=true)", refusal?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_kill_switch_table_reads_as_never_set()
    {
        await using var empty = await FreshDatabase.Create("agents_controls_empty");
        await using var killSwitch = new KillSwitch(ExecutionLedgerTests.Connections(empty.ConnectionString), new ConfigurationBuilder().Build(), _clock);

        var state = await killSwitch.ReadAsync(CancellationToken.None);

        Assert.False(state.Engaged);
        Assert.Null(state.Source);
    }

    [Fact]
    public async Task A_freeze_window_once_refuses_from_its_start_until_its_end()
    {
        var entry = Entry(new RemediationSettings
        {
            Freeze = [new FreezeWindow { Start = Start.AddHours(1), End = Start.AddHours(3), Reason = "year-end freeze" }],
        });
        var controls = Controls();

        Assert.Null(await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None));
        _clock.Now = Start.AddHours(1);
        var refusal = await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None);
        Assert.Equal(RemediationControls.FreezeControl, refusal?.Control);
        Assert.Equal("orders is in a change freeze (2026-12-07 11:00 to 2026-12-07 13:00 UTC (year-end freeze)): nothing is executed on it until the window ends", refusal?.Reason);
        _clock.Now = Start.AddHours(3).AddTicks(-1);
        Assert.NotNull(await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None));
        _clock.Now = Start.AddHours(3);
        Assert.Null(await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None));
    }

    [Fact]
    public async Task A_daily_freeze_window_refuses_on_its_days_between_its_times_in_its_time_zone()
    {
        var entry = Entry(new RemediationSettings
        {
            Freeze =
            [
                new FreezeWindow
                {
                    Days = [DayOfWeek.Friday, DayOfWeek.Saturday], DailyFrom = new TimeOnly(16, 0), DailyTo = new TimeOnly(23, 59),
                    TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"), Reason = "weekend",
                },
            ],
        });
        var controls = Controls();
        var friday = new DateTimeOffset(2026, 12, 11, 0, 0, 0, TimeSpan.Zero); // Berlin is UTC+1 in December

        (DateTimeOffset At, bool Refused)[] cases =
        [
            (friday.AddHours(14).AddMinutes(59), false), // 15:59 in Berlin
            (friday.AddHours(15), true),                  // 16:00
            (friday.AddHours(22).AddMinutes(59).AddSeconds(59), true), // 23:59:59, the last minute is in
            (friday.AddHours(23), false),                 // Saturday 00:00 in Berlin: before 16:00
            (friday.AddDays(1).AddHours(20), true),       // Saturday 21:00
            (friday.AddDays(2).AddHours(20), false),      // Sunday is not listed
            (Start.AddHours(7), false),                   // Monday 18:00
        ];
        foreach (var (at, refused) in cases)
        {
            _clock.Now = at;
            var refusal = await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None);
            Assert.True(refused == (refusal is not null), $"at {at:u}: {refusal?.Reason ?? "allowed"}");
        }

        _clock.Now = friday.AddHours(15);
        Assert.Contains("fri, sat 16:00-23:59 Europe/Berlin (weekend)", (await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None))?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cooldown_refuses_a_second_action_on_the_same_target_until_it_has_passed()
    {
        var entry = Entry(new RemediationSettings { Cooldown = TimeSpan.FromMinutes(5) });
        var controls = Controls();
        await Execute(Guid.NewGuid(), 1, Target, succeeded: true);

        _clock.Now = Start.AddMinutes(4).AddSeconds(59);
        var refusal = await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None);
        Assert.Equal(RemediationControls.CooldownControl, refusal?.Control);
        Assert.Equal($"an action on {Target} succeeded at 2026-12-07 10:00:00 UTC, within the cooldown of 5m: the next may run after 2026-12-07 10:05:00 UTC", refusal?.Reason);
        Assert.Null(await controls.CheckAsync(entry, "kubernetes prod/billing deployment/billing", Fingerprint, CancellationToken.None));

        _clock.Now = Start.AddMinutes(5);
        Assert.Null(await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_action_or_a_cooldown_of_zero_starts_no_cooldown()
    {
        var controls = Controls();
        await Execute(Guid.NewGuid(), 1, Target, succeeded: false);
        _clock.Now = Start.AddMinutes(1);
        Assert.Null(await controls.CheckAsync(Entry(), Target, "another-fingerprint", CancellationToken.None));

        await Execute(Guid.NewGuid(), 1, Target, succeeded: true);
        Assert.NotNull(await controls.CheckAsync(Entry(), Target, "another-fingerprint", CancellationToken.None));
        Assert.Null(await controls.CheckAsync(Entry(new RemediationSettings { Cooldown = TimeSpan.Zero }), Target, "another-fingerprint", CancellationToken.None));
    }

    [Fact]
    public async Task Three_failures_in_a_row_of_one_alert_stop_it_for_an_hour_after_the_last()
    {
        var controls = Controls();
        var entry = Entry(new RemediationSettings { Cooldown = TimeSpan.Zero });
        await Execute(Guid.NewGuid(), 1, Target, succeeded: false);
        _clock.Now = Start.AddMinutes(10);
        await Execute(Guid.NewGuid(), 1, Target, succeeded: false);
        Assert.Null(await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None)); // two are not enough

        _clock.Now = Start.AddMinutes(20);
        await Execute(Guid.NewGuid(), 2, Target, succeeded: false);

        _clock.Now = Start.AddMinutes(79);
        var refusal = await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None);
        Assert.Equal(RemediationControls.BackoffControl, refusal?.Control);
        Assert.Equal($"the last 3 remediations of this alert (fingerprint {Fingerprint}) failed, the last at 2026-12-07 10:20:00 UTC: none is executed automatically before 2026-12-07 11:20:00 UTC", refusal?.Reason);
        Assert.Null(await controls.CheckAsync(entry, Target, "another-fingerprint", CancellationToken.None));

        _clock.Now = Start.AddMinutes(80);
        Assert.Null(await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None));
    }

    [Fact]
    public async Task A_success_between_failures_breaks_the_series_and_one_failed_step_fails_its_attempt()
    {
        var entry = Entry(new RemediationSettings { Cooldown = TimeSpan.Zero });
        await Execute(Guid.NewGuid(), 1, Target, succeeded: false);
        await Execute(Guid.NewGuid(), 1, Target, succeeded: true);
        await Execute(Guid.NewGuid(), 1, Target, succeeded: false);
        await Execute(Guid.NewGuid(), 1, Target, succeeded: false);
        _clock.Now = Start.AddMinutes(1);

        Assert.Null(await Controls().CheckAsync(entry, Target, Fingerprint, CancellationToken.None));

        // A threshold of 2 (Remediation__FailureBackoffAfter) is reached by the last two.
        var stricter = Controls(options: new RemediationControlOptions { FailureBackoffAfter = 2 });
        Assert.Equal(RemediationControls.BackoffControl, (await stricter.CheckAsync(entry, Target, Fingerprint, CancellationToken.None))?.Control);

        // An attempt with one failed step counts as failed even when an earlier step succeeded.
        var mixed = Guid.NewGuid();
        await Execute(mixed, 1, Target, succeeded: true);
        await Execute(mixed, 1, Target, succeeded: false, step: 1);
        Assert.Equal(RemediationControls.BackoffControl, (await Controls().CheckAsync(entry, Target, Fingerprint, CancellationToken.None))?.Control);
    }

    [Fact]
    public async Task The_first_refusal_is_the_kill_switch_then_the_freeze_then_the_cooldown_then_the_back_off()
    {
        var entry = Entry(new RemediationSettings { Freeze = [new FreezeWindow { Start = Start, End = Start.AddDays(1) }] });
        await Execute(Guid.NewGuid(), 1, Target, succeeded: true);
        for (var i = 0; i < 3; i++)
        {
            await Execute(Guid.NewGuid(), 1, "redis orders:cache:*", succeeded: false);
        }

        await _killSwitch.SetAsync(true, "alice", null, CancellationToken.None);
        var controls = Controls();

        Assert.Equal(RemediationControls.KillSwitchControl, (await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None))?.Control);
        await _killSwitch.SetAsync(false, "alice", null, CancellationToken.None);
        Assert.Equal(RemediationControls.FreezeControl, (await controls.CheckAsync(entry, Target, Fingerprint, CancellationToken.None))?.Control);
        Assert.Equal(RemediationControls.CooldownControl, (await controls.CheckAsync(Entry(), Target, Fingerprint, CancellationToken.None))?.Control);
        Assert.Equal(RemediationControls.BackoffControl, (await controls.CheckAsync(Entry(), "kubernetes prod/other deployment/other", Fingerprint, CancellationToken.None))?.Control);
    }

    [Fact]
    public void The_mode_the_verification_the_approval_timeout_and_the_allowed_actions_come_from_the_catalog()
    {
        var controls = Controls(options: new RemediationControlOptions { DefaultMode = RemediationModes.Approve });
        var verify = new RemediationVerification { Query = "errors", Below = 0.01, For = TimeSpan.FromMinutes(2) };
        var configured = Entry(new RemediationSettings { Mode = RemediationModes.Auto, Actions = ["rollback"], Verify = verify, ApprovalTimeout = TimeSpan.FromMinutes(30) });

        Assert.Equal(RemediationModes.Auto, controls.ModeFor(configured));
        Assert.Equal(RemediationModes.Approve, controls.ModeFor(Entry()));
        Assert.Equal(RemediationModes.Approve, controls.ModeFor(Entry(new RemediationSettings())));
        Assert.Equal(RemediationModes.DryRun, Controls().ModeFor(Entry()));
        Assert.Equal(verify, controls.VerificationFor(configured));
        Assert.Null(controls.VerificationFor(Entry()));
        Assert.Equal(TimeSpan.FromMinutes(30), controls.ApprovalTimeoutFor(configured));
        Assert.Equal(TimeSpan.FromMinutes(15), controls.ApprovalTimeoutFor(Entry()));
        Assert.Null(controls.ActionRefusal(configured, "rollback"));
        Assert.Equal("the service catalog does not allow action 'scale-out' on orders (allowed: rollback)", controls.ActionRefusal(configured, "scale-out"));
        Assert.Null(controls.ActionRefusal(Entry(), "scale-out"));
    }

    [Fact]
    public void A_default_mode_that_is_not_a_mode_is_refused_at_start()
    {
        var options = new RemediationControlOptions { DefaultMode = "yolo" };

        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();

        Assert.Equal("Remediation:DefaultMode 'yolo' is not one of auto, approve, dry-run", Assert.Single(errors).ErrorMessage);
    }

    [Fact]
    public async Task The_registration_creates_the_tables_at_start_and_wires_the_controls_to_the_catalog()
    {
        await using var database = await FreshDatabase.Create("agents_controls_di");
        var catalogFile = Path.Combine(Path.GetTempPath(), $"services-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(catalogFile, """
            default:
              remediation: { mode: dry-run }
            services:
              - name: checkout
                remediation: { mode: approve }
            """);
        using var cleanup = new FileCleanup(catalogFile);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Remediation:DefaultMode"] = RemediationModes.Auto,
            ["Remediation:FailureBackoffAfter"] = "5",
            [CatalogExtensions.PathSetting] = catalogFile,
        });
        builder.Services.AddSingleton(ExecutionLedgerTests.Connections(database.ConnectionString));
        builder.AddRemediationControls();
        builder.AddRemediationControls(); // a second registration (the API's kill switch, say) changes nothing
        await using var app = builder.Build();

        foreach (var service in app.Services.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        var controls = app.Services.GetRequiredService<RemediationControls>();
        var catalog = app.Services.GetRequiredService<ServiceCatalog>();
        Assert.Equal(RemediationModes.Approve, controls.ModeFor(catalog.Resolve("checkout")));
        Assert.Equal(RemediationModes.DryRun, controls.ModeFor(catalog.Resolve("orders"))); // the file's default entry says dry-run
        Assert.Equal(RemediationModes.Auto, controls.ModeFor(new CatalogEntry { Name = "bare" }));
        Assert.Equal(5, app.Services.GetRequiredService<IOptions<RemediationControlOptions>>().Value.FailureBackoffAfter);
        var ledger = app.Services.GetRequiredService<IExecutionLedger>();
        Assert.Empty(await ledger.ForIncidentAsync(Guid.NewGuid(), CancellationToken.None)); // the table exists
        Assert.False((await app.Services.GetRequiredService<KillSwitch>().ReadAsync(CancellationToken.None)).Engaged);
        await app.Services.GetRequiredService<KillSwitch>().SetAsync(true, "test", null, CancellationToken.None);
        Assert.Equal(RemediationControls.KillSwitchControl, (await controls.CheckAsync(catalog.Resolve("orders"), Target, Fingerprint, CancellationToken.None))?.Control);
    }

    /// <summary>Records one finished action step at the clock's time.</summary>
    private async Task Execute(Guid incident, int attempt, string target, bool succeeded, int step = 0)
    {
        var key = new ExecutionKey(incident, attempt, step);
        var claim = await _ledger.ClaimAsync(key, new ExecutionFacts(Fingerprint, "orders", "restart-pods", target, new Dictionary<string, string>()), CancellationToken.None);
        Assert.Equal(ExecutionStatus.Claimed, claim.Status);
        await (succeeded
            ? _ledger.SucceededAsync(key, "restarted deployment/orders in prod", CancellationToken.None)
            : _ledger.FailedAsync(key, "forbidden", CancellationToken.None));
        await claim.Lease!.DisposeAsync();
        _clock.Now += TimeSpan.FromSeconds(1); // the next one finishes later
    }

    private RemediationControls Controls(KillSwitch? killSwitch = null, RemediationControlOptions? options = null) =>
        new(_ledger, killSwitch ?? _killSwitch, Options.Create(options ?? new RemediationControlOptions()), _clock);

    private static CatalogEntry Entry(RemediationSettings? settings = null) => new() { Name = "orders", Remediation = settings };

    private sealed class FileCleanup(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
