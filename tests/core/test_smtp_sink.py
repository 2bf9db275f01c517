"""``tests.servers.SmtpSink``: the SMTP server of the outgoing-mail tests, driven by smtplib."""

import smtplib
import socket
import threading
import time
from email.message import EmailMessage

import pytest

from tests.servers import SmtpSink

SENDER = "sender@example.test"
RECIPIENT = "recipient@example.test"


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


def connect(sink: SmtpSink) -> smtplib.SMTP:
    # local_hostname: not socket.getfqdn(), which may ask DNS
    return smtplib.SMTP(sink.host, sink.port, local_hostname="client.test", timeout=5)


def a_message(subject: str = "Hello") -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = subject
    message.set_content("Grüße aus dem Test.\n")
    return message


def send(sink: SmtpSink, subject: str = "Hello") -> None:
    with connect(sink) as client:
        client.send_message(a_message(subject))


def wait_until(condition, timeout: float = 2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_accepts_and_stores_a_message(sink):
    with connect(sink) as client:
        client.send_message(a_message("Invoice 42"))
        assert client.noop()[0] == 250  # the session goes on after the message

    [received] = sink.wait_for(1)
    assert received.mail_from == SENDER
    assert received.rcpt_tos == [RECIPIENT]
    assert b"Subject: Invoice 42" in received.data
    assert received.message["Subject"] == "Invoice 42"
    # the bytes as sent, lines ending in CRLF
    assert received.message.get_content().splitlines() == ["Grüße aus dem Test."]
    assert sink.rejected == []


def test_the_reply_names_a_queue_id():
    with SmtpSink() as sink, connect(sink) as client:
        client.ehlo()
        client.mail(SENDER)
        client.rcpt(RECIPIENT)
        code, reply = client.data(a_message().as_bytes())
    assert code == 250
    assert reply.startswith(b"2.0.0 OK queued as ")


def test_scripted_451_twice_then_accepted(sink):
    sink.replies = ["451 4.3.0 try later", "451 4.3.0 try later"]
    for _ in range(2):
        with connect(sink) as client, pytest.raises(smtplib.SMTPDataError) as error:
            client.send_message(a_message("Retry me"))
        assert error.value.smtp_code == 451
        assert error.value.smtp_error == b"4.3.0 try later"

    send(sink, "Retry me")

    [received] = sink.wait_for(1)
    assert received.message["Subject"] == "Retry me"
    assert len(sink.rejected) == 2
    assert all(r.message["Subject"] == "Retry me" for r in sink.rejected)
    assert sink.replies == []


def test_rcpt_reply_rejects_the_recipient(sink):
    sink.rcpt_reply = "550 5.1.1 no such user"
    with connect(sink) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        client.send_message(a_message())
    assert error.value.recipients == {RECIPIENT: (550, b"5.1.1 no such user")}
    assert sink.messages == []
    assert sink.rejected == []

    sink.rcpt_reply = None
    send(sink)
    assert len(sink.wait_for(1)) == 1


def test_stop_refuses_connections_and_start_listens_on_the_same_port(sink):
    port = sink.port
    send(sink, "Before")
    sink.wait_for(1)

    sink.stop()
    assert not sink.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((sink.host, port), timeout=1).close()
    with pytest.raises(ConnectionRefusedError):
        send(sink, "While stopped")

    sink.start()
    assert sink.port == port
    send(sink, "After")
    subjects = [m.message["Subject"] for m in sink.wait_for(2)]
    assert subjects == ["Before", "After"]


def test_stop_closes_an_open_connection_too(sink):
    client = connect(sink)
    client.ehlo()
    sink.stop()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.noop()
    client.close()

    sink.start()
    send(sink)
    assert len(sink.wait_for(1)) == 1


def test_stall_then_client_gone_stores_nothing_and_the_server_goes_on(sink):
    sink.stall_before_data()
    client = connect(sink)
    client.ehlo()
    client.mail(SENDER)
    client.rcpt(RECIPIENT)
    client.putcmd("data")  # no 354 comes: the "worker" is killed while it waits
    assert sink.wait_for_stalled(2)
    assert sink.stalled == 1
    client.sock.close()
    client.close()
    wait_until(lambda: sink.stalled == 0)

    send(sink, "Next one")
    [received] = sink.wait_for(1)
    assert received.message["Subject"] == "Next one"
    assert sink.rejected == []


def test_stall_is_released(sink):
    sink.stall_before_data()
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            send(sink, "Slow")
        except BaseException as error:  # reported by the test below
            errors.append(error)

    thread = threading.Thread(target=deliver)
    thread.start()
    assert sink.wait_for_stalled(2)
    assert sink.messages == []
    sink.release()
    thread.join(5)

    assert errors == []
    assert [m.message["Subject"] for m in sink.wait_for(1)] == ["Slow"]
    send(sink, "Not stalled")  # the stall was for one DATA only
    assert len(sink.wait_for(2)) == 2


def test_client_gone_in_the_middle_of_data_stores_nothing(sink):
    client = connect(sink)
    client.ehlo()
    client.mail(SENDER)
    client.rcpt(RECIPIENT)
    client.putcmd("data")
    code, _ = client.getreply()
    assert code == 354
    client.send(b"Subject: cut off\r\n\r\nhalf a mess")
    client.sock.close()
    client.close()

    send(sink, "Whole")
    assert [m.message["Subject"] for m in sink.wait_for(1)] == ["Whole"]
    time.sleep(0.05)
    assert len(sink.messages) == 1
    assert sink.rejected == []


def test_wait_for_times_out(sink):
    with pytest.raises(TimeoutError, match="0 of 1 messages"):
        sink.wait_for(1, timeout=0.1)
