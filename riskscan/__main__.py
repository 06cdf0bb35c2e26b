from riskscan.cli import run

run()
