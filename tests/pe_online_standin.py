"""A stand-in for PE-online's WriteAttendance web service, speaking its documented protocol:
a form-encoded POST with the XML in `sXML`, answered with a `Summary` (wrapped in ASP.NET's
`<string>`, as .asmx services answer a form POST)."""

import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

PATH = "/pe-services/pe-attendanceelearning/WriteAttendance.asmx/ProcessXML"


@dataclass
class StandIn:
    url: str = ""
    #: register numbers PE-online does not know: those rows are rejected
    unknown: set[str] = field(default_factory=set)
    #: "answer", "slow" (longer than any client waits) or "malformed"
    mode: str = "answer"
    received: list[str] = field(default_factory=list)


def summary(xml: str, unknown: set[str]) -> str:
    entry = ET.fromstring(xml)
    accepted, errors = [], []
    for row, attendance in enumerate(entry.findall("Attendance"), start=1):
        person = attendance.findtext("externalPersonID")
        course = attendance.findtext("PECourseID") or attendance.findtext("externalCourseID")
        if person in unknown:
            errors.append(
                f"<Error><errorNR>{row}</errorNR><errorMsg>Persoon {escape(person)} op regel "
                f"{row} is niet bekend bij het register</errorMsg></Error>"
            )
        else:
            accepted.append(
                f"<Accepted><person>{escape(person)}</person><course>{escape(course)}</course>"
                f"<date>{escape(attendance.findtext('endDate'))}</date></Accepted>"
            )
    total = len(accepted) + len(errors)
    return (
        f"<Summary><Results><rejected_rows>{len(errors)}</rejected_rows>"
        f"<accepted_rows>{len(accepted)}</accepted_rows><total_rows>{total}</total_rows>"
        f"</Results>{''.join(errors)}{''.join(accepted)}</Summary>"
    )


def start() -> tuple[StandIn, ThreadingHTTPServer]:
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path != PATH or "x-www-form-urlencoded" not in self.headers.get(
                "Content-Type", ""
            ):
                self.send_error(404)
                return
            xml = parse_qs(body.decode("utf-8"))["sXML"][0]
            state.received.append(xml)
            if state.mode == "slow":
                time.sleep(1.5)
            if state.mode == "malformed":
                answer = b"<html><body>Server Error in '/' Application.</body>"
            else:
                answer = (
                    '<?xml version="1.0" encoding="utf-8"?>\n'
                    '<string xmlns="http://www.pe-online.org/">'
                    + escape(summary(xml, state.unknown))
                    + "</string>"
                ).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
