"""Pure analytics on the tidy model: need, supply, access, persistence, hot spots, catchments, bids.

No Dash and no file reading here: functions take frames and parameters and
return frames, so every number can be tested and exported.
"""
