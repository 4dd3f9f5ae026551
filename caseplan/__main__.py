from caseplan.cli import app

app()
