import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.peppol.lookup import participant_check


class Command(BaseCommand):
    help = "Peppol: look up a participant (e.g. peppol lookup 0208:0403170701)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        lookup = commands.add_parser("lookup", help="Is this participant on Peppol?")
        lookup.add_argument("participant", help="scheme:value, e.g. 0208:0403170701")

    def handle(self, *args: object, **options: str) -> None:
        participant = options["participant"]
        if ":" not in participant:
            raise CommandError("Give the participant as scheme:value, e.g. 0208:0403170701.")
        found = participant_check(participant)
        self.stdout.write(json.dumps(found.as_json(), indent=2))
