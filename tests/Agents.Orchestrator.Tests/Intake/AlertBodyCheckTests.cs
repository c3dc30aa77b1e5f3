using System.Text;
using Agents.Contracts.Alerts;

namespace Agents.Orchestrator.Tests.Intake;

public sealed class AlertBodyCheckTests
{
    /// <summary>Small bounds, so that each one is reached by a body short enough to read in the test.</summary>
    private static readonly AlertLimits Small = new()
    {
        MaxBodyBytes = 1024,
        MaxAlerts = 3,
        MaxLabels = 3,
        MaxValueLength = 16,
        MaxTextLength = 16,
        MaxDepth = 4,
    };

    private static AlertBodyProblem? Check(string json, AlertLimits? limits = null) =>
        AlertBodyCheck.Check(Encoding.UTF8.GetBytes(json), limits ?? Small);

    private static AlertBodyProblem Refused(string json, string reason, AlertLimits? limits = null)
    {
        var problem = Check(json, limits);
        Assert.NotNull(problem);
        Assert.Equal(reason, problem.Reason);
        return problem;
    }

    private static void Passes(string json, AlertLimits? limits = null) => Assert.Null(Check(json, limits));

    [Fact]
    public void Body_one_byte_over_the_limit_is_too_large_while_one_at_the_limit_passes()
    {
        var atLimit = "{\"a\": \"b\"}" + new string(' ', Small.MaxBodyBytes - 10);

        Passes(atLimit);
        var problem = Refused(atLimit + " ", AlertRejections.TooLarge);
        Assert.Equal("the body is 1025 bytes; at most 1024 are accepted", problem.Message);
    }

    [Fact]
    public void Body_too_large_is_refused_before_its_bytes_are_looked_at()
    {
        var body = new byte[Small.MaxBodyBytes + 1];
        body.AsSpan().Fill(0xFF);

        Assert.Equal(AlertRejections.TooLarge, AlertBodyCheck.Check(body, Small)?.Reason);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xFF, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC0, 0xAF, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xE2, 0x82, (byte)'"', (byte)'}' })]
    public void Bytes_that_are_not_utf8_are_invalid_utf8(byte[] body)
    {
        var problem = AlertBodyCheck.Check(body, Small);

        Assert.Equal(AlertRejections.InvalidUtf8, problem?.Reason);
        Assert.Equal("the body is not valid UTF-8", problem?.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n ")]
    [InlineData("{\"a\": \"b\"")]
    [InlineData("{\"a\": ")]
    [InlineData("{\"a\": \"b")]
    [InlineData("{\"a\": \"b\"} {}")]
    [InlineData("{\"a\": \"b\"},")]
    [InlineData("{\"a\": \"b\"}x")]
    [InlineData("{\"a\": \"x\u0001y\"}")]
    [InlineData("{\"a\": \"x\u0000y\"}")]
    [InlineData("{\"a\": \"tab\there\"}")]
    [InlineData("{\"a\": 'b'}")]
    [InlineData("{\"a\": 1,}")]
    [InlineData("{/* comment */ \"a\": 1}")]
    [InlineData("{\"a\": \"\\q\"}")]
    public void Text_that_is_not_json_is_invalid_json(string json)
    {
        var problem = Refused(json, AlertRejections.InvalidJson);

        Assert.StartsWith("not valid JSON: ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_body_is_invalid_json_without_any_token()
    {
        var problem = Refused("", AlertRejections.InvalidJson);

        Assert.Contains("JSON tokens", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Top_level_array_is_not_an_object()
    {
        var problem = Refused("""[{"status": "firing"}]""", AlertRejections.NotAnObject);

        Assert.Equal("an alert message must be a JSON object, not an array", problem.Message);
    }

    [Theory]
    [InlineData("\"firing\"", "string")]
    [InlineData("42", "number")]
    [InlineData("true", "boolean")]
    [InlineData("false", "boolean")]
    [InlineData("null", "null")]
    public void Top_level_scalar_is_not_an_object(string json, string kind)
    {
        var problem = Refused(json, AlertRejections.NotAnObject);

        Assert.Equal($"an alert message must be a JSON object, not a {kind}", problem.Message);
    }

    [Fact]
    public void Nesting_of_max_depth_passes_and_one_more_level_is_too_deep()
    {
        Passes("""{"a": {"b": {"c": {"d": 1}}}}""");
        Passes("""{"a": [[[1, 2]]]}""");

        var objects = Refused("""{"a": {"b": {"c": {"d": {"e": 1}}}}}""", AlertRejections.TooDeep);
        var arrays = Refused("""{"a": [[[[1]]]]}""", AlertRejections.TooDeep);

        Assert.Equal("nesting deeper than 4 levels at $.a.b.c.d", objects.Message);
        Assert.Equal("nesting deeper than 4 levels at $.a[0][0][0]", arrays.Message);
    }

    [Fact]
    public void Nesting_far_beyond_max_depth_is_too_deep_not_invalid_json()
    {
        var json = new string('[', 500) + new string(']', 500);

        Refused("{\"a\": " + json + "}", AlertRejections.TooDeep, new AlertLimits());
    }

    [Fact]
    public void Max_alerts_elements_pass_and_one_more_is_too_many()
    {
        Passes("""{"alerts": [{}, {}, {}]}""");
        Passes("""{"alerts": [1, "two", null]}""");

        var objects = Refused("""{"alerts": [{}, {}, {}, {}]}""", AlertRejections.TooManyItems);
        var scalars = Refused("""{"alerts": [{"x": [1, 2, 3, 4]}]}""", AlertRejections.TooManyItems);

        Assert.StartsWith("more than 3 elements in $.alerts", objects.Message, StringComparison.Ordinal);
        Assert.StartsWith("more than 3 elements in $.alerts[0].x", scalars.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_limits_take_a_thousand_alerts_and_refuse_a_thousand_and_one()
    {
        static string Alerts(int count) => "{\"alerts\": [" + string.Join(",", Enumerable.Repeat("{}", count)) + "]}";

        Passes(Alerts(1000), new AlertLimits());
        Refused(Alerts(1001), AlertRejections.TooManyItems, new AlertLimits());
    }

    [Fact]
    public void Max_labels_properties_pass_and_one_more_is_too_many()
    {
        Passes("""{"labels": {"a": "1", "b": "2", "c": "3"}}""");

        var problem = Refused("""{"labels": {"a": "1", "b": "2", "c": "3", "d": "4"}}""", AlertRejections.TooManyProperties);

        Assert.StartsWith("more than 3 properties in $.labels", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_top_level_object_counts_its_properties_too()
    {
        Refused("""{"a": 1, "b": 2, "c": 3, "d": 4}""", AlertRejections.TooManyProperties);
    }

    [Fact]
    public void Value_of_max_length_passes_and_one_longer_is_too_long()
    {
        Passes($$"""{"summary": "{{new string('x', 16)}}"}""");

        var problem = Refused($$"""{"summary": "{{new string('x', 17)}}"}""", AlertRejections.ValueTooLong);

        Assert.Equal("a string of 17 characters at $.summary; at most 16", problem.Message);
    }

    [Fact]
    public void Label_and_annotation_values_are_held_to_the_value_limit_and_other_text_to_the_text_limit()
    {
        var limits = new AlertLimits { MaxValueLength = 16, MaxTextLength = 64 };
        string Text(int length) => new('x', length);

        Passes("{\"message\": \"" + Text(64) + "\", \"alerts\": [{\"labels\": {\"a\": \"" + Text(16) + "\"}}]}", limits);
        Assert.Equal("a string of 65 characters at $.message; at most 64",
            Refused("{\"message\": \"" + Text(65) + "\"}", AlertRejections.ValueTooLong, limits).Message);
        Assert.Equal("a string of 17 characters at $.alerts[0].labels.a; at most 16",
            Refused("{\"alerts\": [{\"labels\": {\"a\": \"" + Text(17) + "\"}}]}", AlertRejections.ValueTooLong, limits).Message);
        Refused("{\"commonAnnotations\": {\"description\": \"" + Text(17) + "\"}}", AlertRejections.ValueTooLong, limits);
        Refused("{\"" + new string('k', 17) + "\": 1}", AlertRejections.ValueTooLong, limits);
    }

    [Fact]
    public void Number_longer_than_the_limit_is_too_long_as_it_becomes_label_text()
    {
        Passes($$$"""{"labels": {"port": {{{new string('9', 16)}}}}}""");

        Refused($$$"""{"labels": {"port": {{{new string('9', 17)}}}}}""", AlertRejections.ValueTooLong);
    }

    [Fact]
    public void Property_name_longer_than_the_limit_is_too_long()
    {
        Passes($$"""{"{{new string('k', 16)}}": 1}""");

        var problem = Refused($$$"""{"labels": {"{{{new string('k', 17)}}}": "v"}}""", AlertRejections.ValueTooLong);

        Assert.Equal("a string of 17 characters at $.labels; at most 16", problem.Message);
    }

    [Fact]
    public void Value_whose_raw_form_is_far_longer_than_the_limit_is_too_long_without_being_decoded()
    {
        var problem = Refused($$"""{"summary": "{{new string('x', 200)}}"}""", AlertRejections.ValueTooLong);

        Assert.Equal("a string longer than 16 characters at $.summary", problem.Message);
    }

    [Fact]
    public void Escaped_value_long_in_its_raw_form_but_short_once_decoded_passes()
    {
        var escaped = string.Concat(Enumerable.Repeat("\\u0041", 16));

        Assert.Equal(96, escaped.Length);
        Passes($$"""{"summary": "{{escaped}}"}""");
        Refused($$"""{"summary": "{{escaped}}\u0041"}""", AlertRejections.ValueTooLong);
    }

    [Fact]
    public void Length_counts_utf16_code_units_not_bytes()
    {
        Passes($$"""{"summary": "{{new string('é', 16)}}"}""");
        Passes($$"""{"summary": "{{string.Concat(Enumerable.Repeat("😀", 8))}}"}""");

        Refused($$"""{"summary": "{{string.Concat(Enumerable.Repeat("😀", 9))}}"}""", AlertRejections.ValueTooLong);
    }

    [Theory]
    [InlineData("\\u0000", "U+0000")]
    [InlineData("\\u001b", "U+001B")]
    [InlineData("\\u001F", "U+001F")]
    [InlineData("\\b", "U+0008")]
    [InlineData("\\f", "U+000C")]
    [InlineData("\\u007f", "U+007F")]
    [InlineData("\\u0085", "U+0085")]
    [InlineData("\\u009b", "U+009B")]
    public void Escaped_control_character_is_refused(string escape, string named)
    {
        var problem = Refused($$$"""{"alerts": [{"labels": {"team": "pay{{{escape}}}ments"}}]}""", AlertRejections.ControlCharacter);

        Assert.Equal($"a control character {named} at $.alerts[0].labels.team", problem.Message);
    }

    [Fact]
    public void Escaped_control_character_in_a_property_name_is_refused()
    {
        Refused("""{"te\u0000am": "payments"}""", AlertRejections.ControlCharacter);
    }

    [Fact]
    public void Tab_line_feed_and_carriage_return_escapes_pass()
    {
        Passes("""{"summary": "a\tb\nc\r\n", "x": "\u0009\u000a\u000d"}""");
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\udc00")]
    [InlineData("\\udbff\\u0041")]
    [InlineData("\\ude00\\ud83d")]
    public void Lone_surrogate_escape_is_refused(string escape)
    {
        var problem = Refused($$"""{"alerts": [{}, {"summary": "a{{escape}}b"}]}""", AlertRejections.LoneSurrogate);

        Assert.Equal("a string with an unpaired surrogate escape at $.alerts[1].summary", problem.Message);
    }

    [Fact]
    public void Lone_surrogate_escape_in_a_property_name_is_refused()
    {
        Refused("""{"\ud800": "x"}""", AlertRejections.LoneSurrogate);
    }

    [Fact]
    public void Escaped_surrogate_pair_passes()
    {
        Passes("""{"summary": "smile \ud83d\ude00", "\ud83d\ude00": "ok"}""");
    }

    [Fact]
    public void Same_key_twice_in_a_nested_object_is_a_duplicate_key()
    {
        var problem = Refused("""{"alerts": [{"labels": {"team": "a", "team": "b"}}]}""", AlertRejections.DuplicateKey);

        Assert.StartsWith("the property 'team' appears twice in $.alerts[0].labels", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_key_spelled_once_plain_and_once_escaped_is_a_duplicate_key()
    {
        Refused("""{"team": "a", "t\u0065am": "b"}""", AlertRejections.DuplicateKey);
    }

    [Fact]
    public void Keys_differing_only_in_case_are_duplicates_since_messages_read_dictionaries_ignoring_case()
    {
        var problem = Refused("""{"labels": {"team": "a", "Team": "b"}}""", AlertRejections.DuplicateKey);

        Assert.Equal("the property 'Team' appears twice in $.labels (names that differ only in case count as the same)", problem.Message);
    }

    [Fact]
    public void Same_key_in_sibling_and_nested_objects_is_not_a_duplicate()
    {
        Passes("""
            {"labels": {"team": "a"}, "annotations": {"team": "b", "labels": {"team": "c"}},
             "alerts": [{"labels": {"team": "d"}}, {"labels": {"team": "e"}}], "team": "f"}
            """, new AlertLimits());
    }

    [Theory]
    [InlineData("""{"alerts": [{"labels": {}}, {"labels": {"a": "1", "b": "xxxxxxxxxxxxxxxxx"}}]}""",
        "a string of 17 characters at $.alerts[1].labels.b; at most 16")]
    [InlineData("""{"alerts": [{"labels": {}}, {"labels": {"a": "1", "b": "\u0000"}}]}""",
        "a control character U+0000 at $.alerts[1].labels.b")]
    [InlineData("""{"alerts": [{"labels": {}}, {"labels": {"a": "1"}, "x": ["ok", "\ud800"]}]}""",
        "a string with an unpaired surrogate escape at $.alerts[1].x[1]")]
    [InlineData("""{"alerts": [{"labels": {}}, {"labels": {"a": {"b": {}}}}]}""",
        "nesting deeper than 4 levels at $.alerts[1].labels.a")]
    public void Message_names_the_json_path_of_the_value(string json, string message)
    {
        Assert.Equal(message, Check(json)?.Message);
    }

    [Fact]
    public void Duplicate_key_message_names_the_object_not_the_property_before_the_duplicate()
    {
        var problem = Check("""{"alerts": [{"labels": {}}, {"labels": {"a": "1", "b": "2", "a": "3"}}]}""");

        Assert.Equal("the property 'a' appears twice in $.alerts[1].labels (names that differ only in case count as the same)", problem?.Message);
    }

    [Fact]
    public void Too_long_property_name_message_names_the_object_not_the_property_before_it()
    {
        var problem = Check("""{"alerts": [{"labels": {}}, {"labels": {"a": "1", "kkkkkkkkkkkkkkkkk": "2"}}]}""");

        Assert.Equal("a string of 17 characters at $.alerts[1].labels; at most 16", problem?.Message);
    }

    [Fact]
    public void Too_many_labels_message_names_the_object()
    {
        var problem = Check("""{"alerts": [{"labels": {}}, {"labels": {"a": "1", "b": "2", "c": "3", "d": "4"}}]}""");

        Assert.Equal("more than 3 properties in $.alerts[1].labels", problem?.Message);
    }

    [Fact]
    public void Too_many_alerts_message_names_the_array()
    {
        var problem = Check("""{"alerts": [{}, {}, {}, {}]}""");

        Assert.Equal("more than 3 elements in $.alerts", problem?.Message);
    }

    private const string IntakeFolder = "Intake/Payloads";
    private const string DeployFolder = "deploy/samples";

    public static TheoryData<string, string> SamplePayloads()
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in new[] { IntakeFolder, DeployFolder })
        {
            foreach (var file in Directory.GetFiles(Folder(folder), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                data.Add(folder, file!);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SamplePayloads))]
    public void Sample_payload_passes_with_the_default_limits(string folder, string file)
    {
        Assert.Null(AlertBodyCheck.Check(File.ReadAllBytes(Path.Combine(Folder(folder), file)), new AlertLimits()));
    }

    [Fact]
    public void Sample_payloads_are_found_in_both_folders()
    {
        var files = SamplePayloads().Select(row => (string)row[1]).ToList();

        Assert.Contains("alertmanager-two-firing.json", files);
        Assert.Contains("pagerduty-triggered.json", files);
        Assert.Contains("alertmanager-firing.json", files);
        Assert.Contains("generic-low.json", files);
    }

    /// <summary>The intake payloads are copied next to the test binaries; the deploy samples are read where they are.</summary>
    private static string Folder(string folder) =>
        folder == IntakeFolder ? Path.Combine(AppContext.BaseDirectory, "Intake", "Payloads") : Path.Combine(RepositoryRoot(), "deploy", "samples");

    /// <summary>The first folder above the test binaries that holds <c>Agents.sln</c>.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Agents.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Agents.sln.");
    }
}
