from riskscan.cli import main

main()
