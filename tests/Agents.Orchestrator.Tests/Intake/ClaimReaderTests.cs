using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Contracts.Claims;
using Agents.Orchestrator.Intake;

namespace Agents.Orchestrator.Tests.Intake;

public sealed class ClaimReaderTests
{
    private const string Valid = """
        {"claimId": "CLM-42", "memberId": "M-7", "plan": "Gold", "procedureCode": "70553",
         "diagnosisCodes": ["g43.909", "R51.9"], "amount": 1830.50, "serviceDate": "2026-11-20",
         "providerId": "NPI-1", "inNetwork": false, "priorAuthorization": true, "clinicalNotes": "headache for 3 weeks",
         "extra": "ignored"}
        """;

    [Fact]
    public void A_complete_claim_is_read_with_codes_and_plan_normalised()
    {
        var claim = Read(Valid);

        Assert.Equal("CLM-42", claim.ClaimId);
        Assert.Equal("gold", claim.Plan);
        Assert.Equal("70553", claim.ProcedureCode);
        Assert.Equal(["G43.909", "R51.9"], claim.DiagnosisCodes);
        Assert.Equal(1830.50m, claim.Amount);
        Assert.Equal(new DateOnly(2026, 11, 20), claim.ServiceDate);
        Assert.False(claim.InNetwork);
        Assert.True(claim.PriorAuthorization);
        Assert.Equal("headache for 3 weeks", claim.ClinicalNotes);
    }

    [Fact]
    public void Optional_fields_default_to_in_network_without_prior_authorization()
    {
        var claim = Read("""{"claimId": "c1", "memberId": "m", "plan": "bronze", "procedureCode": "99213", "diagnosisCodes": ["J06.9"], "amount": 95, "serviceDate": "2026-11-01"}""");

        Assert.True(claim.InNetwork);
        Assert.False(claim.PriorAuthorization);
        Assert.Null(claim.ProviderId);
        Assert.Null(claim.ClinicalNotes);
    }

    [Fact]
    public void Every_problem_is_named_in_one_reason_with_the_claim_id()
    {
        var reason = Refusal("""{"claimId": "CLM-9", "plan": 3, "procedureCode": "", "diagnosisCodes": [], "amount": -5, "serviceDate": "20/11/2026", "inNetwork": "yes"}""");

        Assert.Equal(
            "claim CLM-9 refused: memberId is missing; plan must be a string, not 3; procedureCode is empty; "
            + "diagnosisCodes must hold 1 to 12 codes, not 0; amount must be above 0 and at most 100000000, not -5; "
            + "serviceDate must be a date such as \"2026-11-20\", not \"20/11/2026\"; inNetwork must be true or false, not \"yes\"",
            reason);
    }

    [Theory]
    [InlineData("[1, 2]", "a claim must be a JSON object, not an array")]
    [InlineData("\"CLM-1\"", "a claim must be a JSON object, not \"CLM-1\"")]
    [InlineData("null", "a claim must be a JSON object, not null")]
    public void Anything_but_an_object_is_refused(string json, string reason) =>
        Assert.Equal(reason, Refusal(json));

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("CLM 1")]
    [InlineData("CLM/1")]
    public void A_claim_id_that_could_not_be_used_in_a_url_is_refused(string id)
    {
        var json = JsonNode.Parse(Valid)!.AsObject();
        json["claimId"] = id;

        var reason = Refusal(json.ToJsonString());

        Assert.StartsWith("claim refused: ", reason, StringComparison.Ordinal);
        Assert.Contains($"claimId '{id}' may only hold letters, digits", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_diagnosis_that_is_not_a_code_is_refused_by_position()
    {
        var json = JsonNode.Parse(Valid)!.AsObject();
        json["diagnosisCodes"] = new JsonArray("G43.909", 12, new string('X', 40));

        var reason = Refusal(json.ToJsonString());

        Assert.Contains("diagnosisCodes[1] must be a code of 1 to 16 characters, not 12", reason, StringComparison.Ordinal);
        Assert.Contains("diagnosisCodes[2] must be a code", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_deliberation_is_named_after_the_claim_and_carries_it_as_subject()
    {
        var claim = Read(Valid);

        var start = ClaimReader.Adjudicate(claim);

        Assert.Equal(ClaimAdjudication.Kind, start.Kind);
        Assert.Equal(ClaimAdjudication.DeliberationId("CLM-42"), start.DeliberationId);
        Assert.Equal(start.DeliberationId, ClaimReader.Adjudicate(Read(Valid)).DeliberationId);
        Assert.NotEqual(start.DeliberationId, ClaimAdjudication.DeliberationId("CLM-43"));
        Assert.Equal("claim CLM-42: procedure 70553 for G43.909, R51.9, 1830.50 on the gold plan, 2026-11-20", start.Summary);
        var subject = start.Subject.Deserialize<Claim>(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.Equal(claim with { DiagnosisCodes = subject!.DiagnosisCodes }, subject);
        Assert.Equal(claim.DiagnosisCodes, subject.DiagnosisCodes);
        Assert.Equal("2026-11-20", start.Subject.GetProperty("serviceDate").GetString());
    }

    [Fact]
    public void The_intake_refuses_an_unreadable_claim_for_the_error_queue_with_a_header_sized_reason()
    {
        var json = JsonNode.Parse(Valid)!.AsObject();
        json.Remove("memberId");
        json["clinicalNotes"] = new string('n', 9000);
        for (var i = 0; i < 40; i++)
        {
            json["diagnosisCodes"]!.AsArray().Add(new string('D', 30));
        }

        var exception = new ClaimFormatException(Refusal(json.ToJsonString()));

        Assert.IsAssignableFrom<Hosting.PermanentMessageException>(exception);
        Assert.StartsWith("claim CLM-42 refused: memberId is missing; diagnosisCodes must hold 1 to 12 codes, not 42", exception.Message, StringComparison.Ordinal);
        Assert.True(exception.Message.Length <= AlertFormatException.MaxMessageLength);
    }

    private static Claim Read(string json)
    {
        var claim = ClaimReader.TryRead(JsonNode.Parse(json), out var error);
        Assert.True(claim is not null, error);
        Assert.Null(error);
        return claim;
    }

    private static string Refusal(string json)
    {
        Assert.Null(ClaimReader.TryRead(JsonNode.Parse(json), out var error));
        return Assert.IsType<string>(error);
    }
}
