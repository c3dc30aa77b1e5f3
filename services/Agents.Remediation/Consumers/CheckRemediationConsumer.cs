using Agents.Contracts;
using Agents.Contracts.Remediation;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Agents.Remediation.Verification;
using Microsoft.Extensions.Options;

namespace Agents.Remediation.Consumers;

/// <summary>Answers a verification check of an executed remediation (on the remediation queue, beside the remediation itself).</summary>
public sealed class CheckRemediationConsumer(
    IAgentBrain<CheckRemediation, VerificationOutcome> verifier,
    IOptions<AgentOptions> options,
    ILogger<CheckRemediationConsumer> logger)
    : AgentConsumer<CheckRemediation, VerificationOutcome, RemediationChecked, RemediationChecked>(verifier, options, logger)
{
    protected override string AgentName => "remediation";

    protected override RemediationChecked Succeeded(CheckRemediation command, VerificationOutcome result, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Verified = result.Verified, Detail = result.Detail, Value = result.Value };

    protected override RemediationChecked Failed(CheckRemediation command, string reason, TokenUsage tokens) =>
        new() { IncidentId = command.IncidentId, Attempt = command.Attempt, Verified = false, Detail = reason };
}

public sealed class CheckRemediationConsumerDefinition()
    : AgentConsumerDefinition<CheckRemediationConsumer>(AgentQueues.Remediation);
