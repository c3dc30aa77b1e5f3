using System.Text.Json.Nodes;
using Agents.Orchestrator.Intake;
using static Agents.Orchestrator.Tests.Intake.IntakePayloads;

namespace Agents.Orchestrator.Tests.Intake;

public sealed class UnrecognisedAlertTests
{
    [Fact]
    public void Unknown_shape_names_the_accepted_formats_and_the_keys_found()
    {
        var reason = Rejection("""{"foo": 1, "bar": {"baz": true}}""");

        Assert.Equal(
            "Not a recognised alert: expected a PagerDuty v3 webhook (object 'event' with 'event_type' and 'data'), "
            + "an Alertmanager webhook ('version', 'status', 'alerts'[]) or the generic format "
            + "('source', 'service', 'summary', 'timestamp'); found keys: foo, bar",
            reason);
    }

    [Fact]
    public void Empty_object_says_it_has_no_keys()
    {
        Assert.EndsWith("found keys: none (empty object)", Rejection("{}"), StringComparison.Ordinal);
    }

    [Fact]
    public void Pagerduty_events_api_payload_is_not_mistaken_for_a_webhook()
    {
        var reason = Rejection("""{"routing_key": "R0123", "event_action": "trigger", "payload": {"summary": "x", "source": "y", "severity": "critical"}}""");

        Assert.StartsWith("Not a recognised alert", reason, StringComparison.Ordinal);
        Assert.EndsWith("found keys: routing_key, event_action, payload", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reason_stays_short_enough_for_a_header_however_large_the_message()
    {
        var manyKeys = new JsonObject();
        for (var i = 0; i < 200; i++)
        {
            manyKeys[$"key_{i}_{new string('x', 80)}"] = i;
        }

        var longValue = Json("""{"source": "cron", "service": "billing", "summary": "late"}""");
        longValue["timestamp"] = new string('9', 5000) + "\n\r";

        var keysReason = Rejection(manyKeys);
        var valueReason = Rejection(longValue);

        Assert.InRange(keysReason.Length, 300, 499);
        Assert.Contains("and 196 more", keysReason, StringComparison.Ordinal);
        Assert.InRange(valueReason.Length, 50, 499);
        Assert.DoesNotContain('\n', valueReason);
    }

    [Fact]
    public void Message_longer_than_a_header_allows_is_cut_with_an_ellipsis()
    {
        var exception = new AlertFormatException(new string('a', 1000));

        Assert.Equal(AlertFormatException.MaxMessageLength, exception.Message.Length);
        Assert.EndsWith("…", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_message_is_rejected_as_unrecognised_not_with_a_null_reference()
    {
        var exception = Assert.Throws<AlertFormatException>(() => AlertParser.Parse(null!, ReceivedAt));

        Assert.Contains("found an empty (null) message", exception.Message, StringComparison.Ordinal);
    }
}
