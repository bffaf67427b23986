from garde.cli import main

main()
