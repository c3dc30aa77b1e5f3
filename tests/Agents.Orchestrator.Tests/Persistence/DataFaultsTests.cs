using System.Text;
using Agents.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Agents.Orchestrator.Tests.Persistence;

public sealed class DataFaultsTests
{
    [Theory]
    [InlineData("22P05")] // untranslatable character
    [InlineData("22001")] // value too long
    [InlineData("22021")] // invalid byte sequence
    public void A_data_exception_a_value_can_cause_is_put_down_to_the_data_even_wrapped(string sqlState)
    {
        var postgres = new PostgresException("refused", "ERROR", "ERROR", sqlState);

        Assert.True(DataFaults.IsCausedByData(postgres));
        Assert.True(DataFaults.IsCausedByData(new DbUpdateException("saving the saga", postgres)));
    }

    [Theory]
    [InlineData("22003")] // numeric overflow: more likely our own bug
    [InlineData("23505")] // unique violation: a conflict, retried
    [InlineData("40001")] // serialization failure: transient
    [InlineData("57P01")] // admin shutdown: an outage
    public void Other_database_errors_are_not(string sqlState)
    {
        Assert.False(DataFaults.IsCausedByData(new DbUpdateException("saving", new PostgresException("x", "ERROR", "ERROR", sqlState))));
    }

    [Fact]
    public void Text_that_cannot_be_encoded_is_put_down_to_the_data()
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var encoding = Assert.Throws<EncoderFallbackException>(() => strict.GetBytes("lone \ud800 surrogate"));

        Assert.True(DataFaults.IsCausedByData(new InvalidOperationException("writing a parameter", encoding)));
        Assert.False(DataFaults.IsCausedByData(new TimeoutException("the database did not answer")));
    }
}
