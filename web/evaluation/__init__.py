"""Measuring the whole presence path on a labelled classroom video (`rollcall evaluate video`).

`class_files` reads what the video is said to show (who is enrolled, who comes, when),
`video_run` feeds the video to the service's own presence engine as the live runtime would,
and `outcome` scores the marks it made against what was expected.
"""
