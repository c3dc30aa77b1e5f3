using System.ComponentModel.DataAnnotations;
using Agents.Scheduler;

namespace Agents.Orchestrator.Tests.Scheduler;

/// <summary>The scheduler sends only to this system's own queues, in the address forms MassTransit writes.</summary>
public sealed class ScheduleDestinationsTests
{
    private static readonly ScheduleDestinations Defaults = new([], []);
    private static readonly ScheduleDestinations Configured = new(["escalations"], ["e2e-probe-"]);

    [Theory]
    // MassTransit's short address (AgentQueues.Address).
    [InlineData("queue:incident")]
    [InlineData("queue:deliberation")]
    // A saga's input address, where its timeouts go: default vhost, a vhost of its own, an escaped vhost, TLS.
    [InlineData("rabbitmq://127.0.0.1:5682/incident")]
    [InlineData("rabbitmq://rabbitmq.agents.svc/agents/incident")]
    [InlineData("rabbitmq://localhost/agents-e2e-1234abcd/deliberation")]
    [InlineData("rabbitmq://localhost/my%20vhost/deliberation")]
    [InlineData("rabbitmqs://rabbitmq.internal:5671/agents/incident")]
    // The host does not steer the send (MassTransit uses the scheduler's own connection): the queue name is the check.
    [InlineData("rabbitmq://another-name-of-the-broker/incident")]
    public void The_saga_endpoints_are_allowed_in_every_form(string destination)
    {
        Assert.Null(Defaults.Refusal(new Uri(destination)));
        Assert.True(Configured.IsAllowed(new Uri(destination)));
    }

    [Theory]
    [InlineData("queue:payments-prod", "'payments-prod' is not one of this system's queues")]
    [InlineData("rabbitmq://evil/x", "'x' is not one of this system's queues")]
    [InlineData("rabbitmq://evil.example.com:5672/agents/payments", "'payments' is not one of this system's queues")]
    // The system's other queues are not timeout destinations: a forged schedule must not reach an agent.
    [InlineData("queue:remediation", "'remediation' is not one of this system's queues")]
    [InlineData("queue:scheduler", "'scheduler' is not one of this system's queues")]
    [InlineData("queue:incident_error", "'incident_error' is not one of this system's queues")]
    // Queue names are case-sensitive in RabbitMQ.
    [InlineData("queue:Incident", "'Incident' is not one of this system's queues")]
    [InlineData("exchange:incident", "the scheme 'exchange' is not accepted")]
    [InlineData("http://localhost/incident", "the scheme 'http' is not accepted")]
    [InlineData("loopback://localhost/incident", "the scheme 'loopback' is not accepted")]
    [InlineData("rabbitmq://guest:guest@localhost/incident", "the destination carries credentials")]
    // Address options declare and bind other queues and exchanges: a binding to payments, an alternate exchange.
    [InlineData("queue:incident?bind=true&queue=payments", "query string")]
    [InlineData("rabbitmq://localhost/agents/incident?bindexchange=payments", "query string")]
    [InlineData("rabbitmq://localhost/agents/incident?alternateexchange=payments", "query string")]
    [InlineData("rabbitmq://localhost/agents/incident#x", "fragment")]
    [InlineData("rabbitmq://localhost/", "names no single queue")]
    [InlineData("rabbitmq://localhost/agents/", "names no single queue")]
    [InlineData("rabbitmq://localhost//incident", "names no single queue")]
    [InlineData("rabbitmq://localhost/a/b/incident", "names no single queue")]
    [InlineData("rabbitmq://localhost/agents/incident%2Fx", "names no single queue")]
    [InlineData("queue:", "names no single queue")]
    [InlineData("queue:agents/incident", "names no single queue")]
    public void Anything_else_is_refused_with_the_reason(string destination, string reason)
    {
        var refusal = Defaults.Refusal(new Uri(destination));

        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
        Assert.False(Configured.IsAllowed(new Uri(destination)));
    }

    [Fact]
    public void No_destination_and_relative_ones_are_refused()
    {
        Assert.Equal("it names no destination", Defaults.Refusal(null));
        Assert.Contains("not an absolute address", Defaults.Refusal(new Uri("incident", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("queue:escalations", true)]
    [InlineData("rabbitmq://localhost/agents/escalations", true)]
    [InlineData("queue:escalations-2", false)]
    [InlineData("queue:e2e-probe-0123456789abcdef", true)]
    [InlineData("rabbitmq://localhost/agents-e2e-1/e2e-probe-x", true)]
    [InlineData("queue:e2e-probe", false)]
    [InlineData("queue:x-e2e-probe-1", false)]
    public void Configured_names_are_exact_and_prefixes_are_prefixes(string destination, bool allowed)
    {
        Assert.Equal(allowed, Configured.IsAllowed(new Uri(destination)));
        Assert.False(Defaults.IsAllowed(new Uri(destination)));
    }

    [Fact]
    public void The_refusal_names_what_is_allowed()
    {
        var refusal = Configured.Refusal(new Uri("queue:payments-prod"));

        Assert.Equal("'payments-prod' is not one of this system's queues (allowed: deliberation, escalations, incident, and names starting with e2e-probe-)", refusal);
    }

    [Fact]
    public void A_destination_is_described_without_its_credentials_and_bounded()
    {
        var described = ScheduleDestinations.Describe(new Uri("rabbitmq://someone:Pw-Marker-7c1e9a@evil.example.com/x"));
        var bounded = ScheduleDestinations.Describe(new Uri("queue:" + new string('q', 5000)));

        Assert.DoesNotContain("Pw-Marker-7c1e9a", described, StringComparison.Ordinal);
        Assert.Equal("rabbitmq://evil.example.com/x", described);
        Assert.True(bounded.Length <= 201, $"{bounded.Length} characters");
        Assert.Equal("(none)", ScheduleDestinations.Describe(null));
    }

    [Fact]
    public void The_options_refuse_blank_names_and_prefixes()
    {
        static List<string> Problems(SchedulerOptions options)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
            return [.. results.Select(r => r.ErrorMessage!)];
        }

        Assert.Empty(Problems(new SchedulerOptions { AllowedDestinations = ["escalations"], AllowedDestinationPrefixes = ["e2e-probe-"] }));
        Assert.Contains(Problems(new SchedulerOptions { AllowedDestinations = [" "] }), p => p.Contains("AllowedDestinations", StringComparison.Ordinal));
        Assert.Contains(Problems(new SchedulerOptions { AllowedDestinationPrefixes = [""] }), p => p.Contains("every queue", StringComparison.Ordinal));
    }
}
