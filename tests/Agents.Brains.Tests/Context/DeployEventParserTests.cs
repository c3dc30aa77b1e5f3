using System.Text.Json.Nodes;
using Agents.Context.Sources;
using Agents.Hosting;

namespace Agents.Brains.Tests.Context;

public sealed class DeployEventParserTests
{
    [Fact]
    public void Sample_deploy_event_from_the_repository_is_read_completely()
    {
        var json = JsonNode.Parse(File.ReadAllText(Support.RepositoryRoot.File("deploy/samples/deploy-auth-service.json")))!.AsObject();

        var deploy = DeployEventParser.Parse(json);

        Assert.Equal("auth-service", deploy.Service);
        Assert.Equal("v7.4.2", deploy.Version);
        Assert.Equal("v7.4.1", deploy.PreviousVersion);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 3, 0, TimeSpan.Zero), deploy.DeployedAt);
        Assert.Equal("production", deploy.Environment);
        Assert.Equal("ci-pipeline", deploy.Author);
    }

    [Fact]
    public void CamelCase_names_and_an_offset_are_accepted()
    {
        var deploy = DeployEventParser.Parse(Json("""{"service":"ledger","version":"2.0.1","previousVersion":"2.0.0","deployedAt":"2026-11-24T03:03:00+01:00"}"""));

        Assert.Equal("2.0.0", deploy.PreviousVersion);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 3, 0, TimeSpan.Zero), deploy.DeployedAt);
        Assert.Null(deploy.Environment);
        Assert.Null(deploy.Author);
    }

    [Fact]
    public void Time_without_offset_is_taken_as_utc_and_blank_optionals_are_absent()
    {
        var deploy = DeployEventParser.Parse(Json("""{"service":" ledger ","version":7,"deployed_at":"2026-11-24T02:03:00","environment":"  "}"""));

        Assert.Equal("ledger", deploy.Service);
        Assert.Equal("7", deploy.Version);
        Assert.Equal(TimeSpan.Zero, deploy.DeployedAt.Offset);
        Assert.Equal(2, deploy.DeployedAt.Hour);
        Assert.Null(deploy.Environment);
    }

    [Theory]
    [InlineData("""{"version":"v1","deployed_at":"2026-11-24T02:03:00Z"}""", "'service' is missing")]
    [InlineData("""{"service":"","version":"v1","deployed_at":"2026-11-24T02:03:00Z"}""", "'service' is missing")]
    [InlineData("""{"service":"a","deployed_at":"2026-11-24T02:03:00Z"}""", "'version' is missing")]
    [InlineData("""{"service":"a","version":"v1"}""", "'deployed_at' is missing")]
    [InlineData("""{"service":"a","version":"v1","deployed_at":"yesterday"}""", "'deployed_at' value 'yesterday' is not an ISO-8601 time")]
    [InlineData("""{"service":"a","version":"v1","deployed_at":"11/24/2026"}""", "is not an ISO-8601 time")]
    [InlineData("""{"service":{"name":"a"},"version":"v1","deployed_at":"2026-11-24T02:03:00Z"}""", "'service' is an object, not text")]
    public void Unusable_deploy_event_is_a_permanent_failure_with_the_reason(string json, string reason)
    {
        var ex = Assert.Throws<PermanentMessageException>(() => DeployEventParser.Parse(Json(json)));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_named_at_once()
    {
        var ex = Assert.Throws<PermanentMessageException>(() => DeployEventParser.Parse(Json("{}")));

        Assert.Contains("'service' is missing; 'version' is missing; 'deployed_at' is missing", ex.Message, StringComparison.Ordinal);
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();
}
