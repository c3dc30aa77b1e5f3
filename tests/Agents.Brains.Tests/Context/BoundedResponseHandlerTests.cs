using System.Net;
using Agents.Context.Sources;

namespace Agents.Brains.Tests.Context;

public sealed class BoundedResponseHandlerTests
{
    [Fact]
    public async Task An_answer_within_the_bound_is_read_whole()
    {
        using var client = Client(1000, declareLength: false, bytes: 1000);

        Assert.Equal(1000, (await client.GetByteArrayAsync("http://source.test/")).Length);
    }

    [Fact]
    public async Task A_declared_length_over_the_bound_fails_before_the_body_is_read()
    {
        using var client = Client(1000, declareLength: true, bytes: 1001);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("http://source.test/"));

        Assert.Equal("the answer is 1001 bytes, more than the 1000 a context source reads (MaxResponseBytes)", ex.Message);
    }

    [Fact]
    public async Task A_chunked_answer_fails_once_reading_passes_the_bound()
    {
        using var client = Client(1000, declareLength: false, bytes: 5000);

        var ex = await Assert.ThrowsAnyAsync<HttpRequestException>(async () =>
        {
            using var response = await client.GetAsync("http://source.test/", HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.CopyToAsync(Stream.Null);
        });

        Assert.Contains("more than the 1000 bytes", ex.Message, StringComparison.Ordinal);
    }

    private static HttpClient Client(long max, bool declareLength, int bytes) =>
        new(new BoundedResponseHandler(max) { InnerHandler = new Answering(declareLength, bytes) });

    private sealed class Answering(bool declareLength, int bytes) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpContent content = declareLength
                ? new ByteArrayContent(new byte[bytes])
                : new StreamContent(new UnknownLengthStream(new MemoryStream(new byte[bytes])));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }
    }

    /// <summary>A body whose length is not known up front, as a chunked answer's.</summary>
    private sealed class UnknownLengthStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
