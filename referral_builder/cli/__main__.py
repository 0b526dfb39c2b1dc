"""`python -m referral_builder.cli`."""

import sys

from referral_builder.cli.main import main

sys.exit(main())
