from ownerguard.cli.main import app

app(prog_name="ownerguard")
