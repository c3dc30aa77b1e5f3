using Agents.Contracts.Remediation;
using Agents.Hosting;
using Agents.Hosting.Catalog;
using Agents.Hosting.Remediation;
using Microsoft.Extensions.Options;

namespace Agents.Remediation.Control;

/// <summary>A control that refused an execution: which one, and a sentence for the on-call engineer.</summary>
/// <param name="Control">One of <see cref="RemediationControls.KillSwitchControl"/>, <see cref="RemediationControls.FreezeControl"/>, <see cref="RemediationControls.CooldownControl"/>, <see cref="RemediationControls.BackoffControl"/>.</param>
public sealed record ControlRefusal(string Control, string Reason);

/// <summary>
/// What may be executed, and when: the service's mode, its allowed actions and verification (from the service
/// catalog), and the controls that stop an execution in mode auto (or an approved one): the global kill switch, the
/// service's freeze windows, the cooldown on the target, and the back-off after repeated failures of one alert.
/// </summary>
public sealed class RemediationControls(IExecutionLedger ledger, KillSwitch killSwitch, IOptions<RemediationControlOptions> options, TimeProvider clock)
{
    public const string KillSwitchControl = "kill-switch";
    public const string FreezeControl = "freeze";
    public const string CooldownControl = "cooldown";
    public const string BackoffControl = "back-off";

    private readonly RemediationControlOptions _options = options.Value;

    /// <summary>The service's mode (<see cref="RemediationModes"/>): the catalog's, else <c>Remediation__DefaultMode</c>.</summary>
    public string ModeFor(CatalogEntry entry) => entry.Remediation?.Mode ?? _options.DefaultMode;

    /// <summary>How an executed action on the service is verified; null when the catalog says nothing (the source's resolved signal only).</summary>
    public RemediationVerification? VerificationFor(CatalogEntry entry) => entry.Remediation?.Verify;

    /// <summary>Mode approve: how long the approval request stays open.</summary>
    public TimeSpan ApprovalTimeoutFor(CatalogEntry entry) => entry.Remediation?.ApprovalTimeout ?? RemediationSettings.DefaultApprovalTimeout;

    /// <summary>Null when the catalog lets <paramref name="actionId"/> act on the service; else why not.</summary>
    public string? ActionRefusal(CatalogEntry entry, string actionId) =>
        entry.Remediation is { } settings && !settings.Allows(actionId)
            ? $"the service catalog does not allow action '{actionId}' on {entry.Name} (allowed: {(settings.Actions!.Count == 0 ? "none" : string.Join(", ", settings.Actions))})"
            : null;

    /// <summary>
    /// The first control that refuses executing an action on <paramref name="target"/> of <paramref name="entry"/>'s
    /// service for the alert <paramref name="fingerprint"/>, in order: kill switch, freeze window, cooldown, back-off;
    /// null when none does.
    /// </summary>
    public async Task<ControlRefusal?> CheckAsync(CatalogEntry entry, string target, string fingerprint, CancellationToken ct)
    {
        var state = await killSwitch.ReadAsync(ct);
        if (state.Engaged)
        {
            return new ControlRefusal(KillSwitchControl, $"the remediation kill switch is {state.Describe()}: nothing is executed until it is released");
        }

        var now = clock.GetUtcNow();
        var settings = entry.Remediation ?? new RemediationSettings();
        if (settings.Freeze.FirstOrDefault(w => w.Covers(now)) is { } window)
        {
            return new ControlRefusal(FreezeControl, $"{entry.Name} is in a change freeze ({window.Describe()}): nothing is executed on it until the window ends");
        }

        if (settings.Cooldown > TimeSpan.Zero && await ledger.LastSucceededAsync(target, ct) is { } last && now - last < settings.Cooldown)
        {
            return new ControlRefusal(CooldownControl,
                $"an action on {target} succeeded at {At(last)}, within the cooldown of {Durations.Format(settings.Cooldown)}: the next may run after {At(last + settings.Cooldown)}");
        }

        var after = _options.FailureBackoffAfter;
        var recent = await ledger.LastFinishedAsync(fingerprint, after, ct);
        if (recent.Count == after && recent.All(r => r.Failed) && now - recent[0].FinishedAt < _options.FailureBackoff)
        {
            return new ControlRefusal(BackoffControl,
                $"the last {after} remediations of this alert (fingerprint {fingerprint}) failed, the last at {At(recent[0].FinishedAt)}: none is executed automatically before {At(recent[0].FinishedAt + _options.FailureBackoff)}");
        }

        return null;
    }

    private static string At(DateTimeOffset at) => $"{at.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC";
}
