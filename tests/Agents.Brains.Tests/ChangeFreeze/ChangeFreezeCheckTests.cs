using System.Text.Json;
using Agents.ChangeFreeze;
using Agents.Contracts.Steps;

namespace Agents.Brains.Tests.ChangeFreeze;

/// <summary>The change-freeze plug-in agent's rule (<see cref="FreezeCheck"/>): windows, services, bad settings, the reply.</summary>
public sealed class ChangeFreezeCheckTests
{
    private const string YearEnd = """
        {"windows": [{"name": "year-end", "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z", "services": ["payments", "checkout"]}]}
        """;

    private static readonly DateTimeOffset InsideYearEnd = new(2026, 12, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset BeforeYearEnd = new(2026, 12, 19, 23, 59, 59, TimeSpan.Zero);
    private static readonly DateTimeOffset EndOfYearEnd = new(2027, 1, 3, 0, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static JsonElement Incident(string? triageService = null, string? alertService = null) => JsonSerializer.SerializeToElement(new
    {
        incidentId = Guid.NewGuid(),
        status = "investigating",
        alert = new { format = "alertmanager", service = alertService },
        triage = triageService is null ? null : new { service = triageService, severity = "high" },
        context = (object?)null,
        steps = new { },
    });

    private static RunIncidentStep Command(string settings, JsonElement incident) => new()
    {
        IncidentId = Guid.Parse("5b0b5d5e-9d1c-4c55-8a0c-2f1d3c4b5a69"),
        Attempt = 2,
        Step = "change-freeze",
        Workflow = "incident-response",
        Settings = Json(settings),
        Incident = incident,
    };

    [Fact]
    public void Inside_a_window_for_the_service_the_step_fails_with_the_window_and_its_end()
    {
        var reply = Assert.IsType<IncidentStepFailed>(FreezeCheck.Reply(Command(YearEnd, Incident("payments")), InsideYearEnd));

        Assert.Equal("change freeze 'year-end' is in force for payments until 2027-01-03T00:00:00Z: no automatic remediation", reply.Reason);
        Assert.Equal((Guid.Parse("5b0b5d5e-9d1c-4c55-8a0c-2f1d3c4b5a69"), 2, "change-freeze"), (reply.IncidentId, reply.Attempt, reply.Step));
    }

    [Theory]
    [InlineData("2026-12-19T23:59:59Z")] // just before the start
    [InlineData("2027-01-03T00:00:00Z")] // the end itself is outside
    [InlineData("2027-06-01T00:00:00Z")]
    public void Outside_every_window_the_step_completes_with_what_it_checked(string now)
    {
        var at = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);

        var reply = Assert.IsType<IncidentStepCompleted>(FreezeCheck.Reply(Command(YearEnd, Incident("payments")), at));

        Assert.Equal((Guid.Parse("5b0b5d5e-9d1c-4c55-8a0c-2f1d3c4b5a69"), 2, "change-freeze"), (reply.IncidentId, reply.Attempt, reply.Step));
        Assert.Equal(JsonValueKind.Object, reply.Result.ValueKind);
        Assert.False(reply.Result.GetProperty("frozen").GetBoolean());
        Assert.Equal("payments", reply.Result.GetProperty("service").GetString());
        Assert.Equal(1, reply.Result.GetProperty("windowsChecked").GetInt32());
        Assert.Equal(at, reply.Result.GetProperty("checkedAt").GetDateTimeOffset());
    }

    [Fact]
    public void The_start_is_inside_the_window()
    {
        var verdict = FreezeCheck.Check(Json(YearEnd), Incident("checkout"), new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero));

        Assert.IsType<FreezeVerdict.Frozen>(verdict);
        Assert.IsType<FreezeVerdict.Clear>(FreezeCheck.Check(Json(YearEnd), Incident("checkout"), BeforeYearEnd));
        Assert.IsType<FreezeVerdict.Clear>(FreezeCheck.Check(Json(YearEnd), Incident("checkout"), EndOfYearEnd));
    }

    [Fact]
    public void A_window_with_a_service_list_leaves_other_services_alone()
    {
        var verdict = Assert.IsType<FreezeVerdict.Clear>(FreezeCheck.Check(Json(YearEnd), Incident("auth-service"), InsideYearEnd));

        Assert.Equal("auth-service", verdict.Service);
        Assert.Equal(1, verdict.WindowsChecked);
    }

    [Fact]
    public void Service_names_match_regardless_of_case()
    {
        Assert.IsType<FreezeVerdict.Frozen>(FreezeCheck.Check(Json(YearEnd), Incident("Payments"), InsideYearEnd));
    }

    [Fact]
    public void A_window_without_services_freezes_every_service()
    {
        const string settings = """{"windows": [{"name": "migration", "start": "2026-12-24T00:00:00+01:00", "end": "2026-12-25T00:00:00+01:00"}]}""";

        var frozen = Assert.IsType<FreezeVerdict.Frozen>(FreezeCheck.Check(Json(settings), Incident("auth-service"), InsideYearEnd));

        Assert.Equal("change freeze 'migration' is in force for auth-service until 2026-12-24T23:00:00Z: no automatic remediation", frozen.Reason);
        Assert.Null(frozen.Window.Services);
    }

    [Fact]
    public void The_service_comes_from_the_alert_when_there_is_no_triage()
    {
        Assert.Equal("payments", FreezeCheck.ServiceOf(Incident(triageService: null, alertService: "payments")));
        Assert.Equal("checkout", FreezeCheck.ServiceOf(Incident(triageService: "checkout", alertService: "payments")));

        var reply = Assert.IsType<IncidentStepFailed>(FreezeCheck.Reply(Command(YearEnd, Incident(alertService: "payments")), InsideYearEnd));
        Assert.Contains("in force for payments", reply.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Triage_service_wins_over_the_alert_service()
    {
        // The alert said payments, triage identified auth-service: auth-service is not frozen.
        Assert.IsType<FreezeVerdict.Clear>(FreezeCheck.Check(Json(YearEnd), Incident("auth-service", "payments"), InsideYearEnd));
    }

    [Fact]
    public void An_incident_without_a_service_is_frozen_by_a_window_in_force_for_some_services()
    {
        var frozen = Assert.IsType<FreezeVerdict.Frozen>(FreezeCheck.Check(Json(YearEnd), Incident(), InsideYearEnd));

        Assert.Null(frozen.Service);
        Assert.Contains("in force for payments, checkout until 2027-01-03T00:00:00Z", frozen.Reason, StringComparison.Ordinal);
        Assert.Contains("names no service", frozen.Reason, StringComparison.Ordinal);
        Assert.IsType<FreezeVerdict.Clear>(FreezeCheck.Check(Json(YearEnd), Incident(), BeforeYearEnd));
        Assert.Null(FreezeCheck.ServiceOf(Json("null")));
    }

    [Fact]
    public void Of_several_windows_in_force_the_reason_names_the_one_that_ends_last()
    {
        const string settings = """
            {"windows": [
              {"name": "short", "start": "2026-12-24T00:00:00Z", "end": "2026-12-25T00:00:00Z"},
              {"name": "year-end", "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z", "services": ["payments"]},
              {"name": "later", "start": "2027-02-01T00:00:00Z", "end": "2027-03-01T00:00:00Z"}
            ]}
            """;

        var frozen = Assert.IsType<FreezeVerdict.Frozen>(FreezeCheck.Check(Json(settings), Incident("payments"), InsideYearEnd));

        Assert.Equal("year-end", frozen.Window.Name);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"windows": []}""")]
    [InlineData("""{"windows": null}""")]
    public void No_windows_means_never_frozen(string settings)
    {
        var clear = Assert.IsType<FreezeVerdict.Clear>(FreezeCheck.Check(Json(settings), Incident("payments"), InsideYearEnd));

        Assert.Equal(0, clear.WindowsChecked);
    }

    [Theory]
    [InlineData("[]", "settings: a JSON object")]
    [InlineData("\"windows\"", "settings: a JSON object")]
    [InlineData("null", "settings: a JSON object")]
    [InlineData("""{"windows": {"name": "x"}}""", "settings.windows: a list of windows expected")]
    [InlineData("""{"window": []}""", "settings.window: unknown field")]
    [InlineData("""{"windows": [42]}""", "settings.windows[0]: a window")]
    [InlineData("""{"windows": [{"name": "x", "end": "2027-01-03T00:00:00Z"}]}""", "settings.windows[0].start: missing")]
    [InlineData("""{"windows": [{"name": "x", "start": "2026-12-20T00:00:00Z"}]}""", "settings.windows[0].end: missing")]
    [InlineData("""{"windows": [{"name": "x", "start": "next week", "end": "2027-01-03T00:00:00Z"}]}""", "settings.windows[0].start: 'next week' is not an ISO 8601 date-time")]
    [InlineData("""{"windows": [{"name": "x", "start": "2026-12-20T00:00:00", "end": "2027-01-03T00:00:00Z"}]}""", "settings.windows[0].start: '2026-12-20T00:00:00' is not an ISO 8601 date-time with an offset")]
    [InlineData("""{"windows": [{"name": "x", "start": 1766188800, "end": "2027-01-03T00:00:00Z"}]}""", "settings.windows[0].start: 1766188800 is not")]
    [InlineData("""{"windows": [{"name": "x", "start": "2027-01-03T00:00:00Z", "end": "2026-12-20T00:00:00Z"}]}""", "settings.windows[0]: end 2026-12-20T00:00:00Z is not after start 2027-01-03T00:00:00Z")]
    [InlineData("""{"windows": [{"name": "x", "start": "2027-01-03T00:00:00Z", "end": "2027-01-03T00:00:00Z"}]}""", "is not after start")]
    [InlineData("""{"windows": [{"name": "x", "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z", "services": []}]}""", "settings.windows[0].services: an empty list freezes nothing")]
    [InlineData("""{"windows": [{"name": "x", "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z", "services": "payments"}]}""", "settings.windows[0].services: a list of service names expected")]
    [InlineData("""{"windows": [{"name": "x", "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z", "services": ["payments", 3]}]}""", "settings.windows[0].services: every entry")]
    [InlineData("""{"windows": [{"name": "", "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z"}]}""", "settings.windows[0].name: a non-empty string")]
    [InlineData("""{"windows": [{"name": "x", "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z", "service": ["payments"]}]}""", "settings.windows[0].service: unknown field")]
    public void Malformed_settings_fail_the_step_with_a_reason_that_names_the_problem(string settings, string expected)
    {
        var reply = Assert.IsType<IncidentStepFailed>(FreezeCheck.Reply(Command(settings, Incident("payments")), InsideYearEnd));

        Assert.StartsWith("invalid change-freeze settings: ", reply.Reason, StringComparison.Ordinal);
        Assert.Contains(expected, reply.Reason, StringComparison.Ordinal);
        Assert.Equal((Guid.Parse("5b0b5d5e-9d1c-4c55-8a0c-2f1d3c4b5a69"), 2, "change-freeze"), (reply.IncidentId, reply.Attempt, reply.Step));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_a_bad_window_never_counts()
    {
        const string settings = """
            {"windows": [
              {"name": "good", "start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z"},
              {"name": "bad", "start": "2027-01-03T00:00:00Z", "end": "2026-12-20T00:00:00Z"},
              {"name": "worse"}
            ]}
            """;

        var invalid = Assert.IsType<FreezeVerdict.Invalid>(FreezeCheck.Check(Json(settings), Incident("payments"), InsideYearEnd));

        Assert.Contains("settings.windows[1]: end", invalid.Reason, StringComparison.Ordinal);
        Assert.Contains("settings.windows[2].start: missing", invalid.Reason, StringComparison.Ordinal);
        Assert.Contains("settings.windows[2].end: missing", invalid.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_a_hundred_windows_fail_the_step()
    {
        var window = new { name = "w", start = "2026-12-20T00:00:00Z", end = "2027-01-03T00:00:00Z" };
        var atLimit = JsonSerializer.Serialize(new { windows = Enumerable.Repeat(window, FreezeCheck.MaxWindows) });
        var overLimit = JsonSerializer.Serialize(new { windows = Enumerable.Repeat(window, FreezeCheck.MaxWindows + 1) });

        Assert.IsType<FreezeVerdict.Frozen>(FreezeCheck.Check(Json(atLimit), Incident("payments"), InsideYearEnd));
        var invalid = Assert.IsType<FreezeVerdict.Invalid>(FreezeCheck.Check(Json(overLimit), Incident("payments"), InsideYearEnd));
        Assert.Contains("settings.windows: 101 windows, at most 100", invalid.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reasons_stay_within_the_limit_the_orchestrator_keeps()
    {
        var windows = Enumerable.Range(0, FreezeCheck.MaxWindows).Select(i => new { name = new string('n', 300), start = "soon", end = "later" });
        var settings = JsonSerializer.Serialize(new { windows });

        var reply = Assert.IsType<IncidentStepFailed>(FreezeCheck.Reply(Command(settings, Incident("payments")), InsideYearEnd));

        Assert.True(reply.Reason.Length <= StepLimits.MaxReasonLength, $"{reply.Reason.Length} characters");
    }

    [Fact]
    public void The_result_is_a_small_json_object()
    {
        var reply = Assert.IsType<IncidentStepCompleted>(FreezeCheck.Reply(Command(YearEnd, Incident("payments")), BeforeYearEnd));

        Assert.Equal(JsonValueKind.Object, reply.Result.ValueKind);
        Assert.True(JsonSerializer.SerializeToUtf8Bytes(reply.Result).Length <= StepLimits.MaxResultBytes);
        Assert.Equal(["frozen", "checkedAt", "service", "windowsChecked"], reply.Result.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000", 1, "change-freeze", "no incidentId")]
    [InlineData("5b0b5d5e-9d1c-4c55-8a0c-2f1d3c4b5a69", 0, "change-freeze", "attempt 0")]
    [InlineData("5b0b5d5e-9d1c-4c55-8a0c-2f1d3c4b5a69", 1, " ", "no step")]
    public void A_command_without_incident_attempt_or_step_cannot_be_answered(string incidentId, int attempt, string step, string expected)
    {
        var command = Command(YearEnd, Incident("payments")) with { IncidentId = Guid.Parse(incidentId), Attempt = attempt, Step = step };

        Assert.Contains(expected, FreezeCheck.Unanswerable(command), StringComparison.Ordinal);
        Assert.Null(FreezeCheck.Unanswerable(Command(YearEnd, Incident("payments"))));
    }
}
