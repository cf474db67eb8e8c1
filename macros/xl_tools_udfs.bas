Attribute VB_Name = "xl_tools_udfs"
' xl_tools: =FK_ANDEL(...) and its siblings for Excel, through the xlwings add-in.
' Same as what xlwings' "Import Functions" generates for the module xl_tools.udfs.
' Needs: the xlwings add-in installed, and in the VBA editor Tools > References > xlwings.
' Set "UDF Modules" to xl_tools.udfs in the xlwings ribbon (or config). See macros/README.md.
#Const App = "Microsoft Excel" 'Adjust when using outside of Excel

Function FK_ANDEL(region, pot, ar, Optional avrundning)
        #If App = "Microsoft Excel" Then
            If TypeOf Application.Caller Is Range Then On Error GoTo failed
            FK_ANDEL = XLPy.CallUDF("xl_tools.udfs", "FK_ANDEL", Array(region, pot, ar, avrundning), ThisWorkbook, Application.Caller)
            Exit Function
        #Else
            FK_ANDEL = XLPy.CallUDF("xl_tools.udfs", "FK_ANDEL", Array(region, pot, ar, avrundning))
            Exit Function
        #End If
failed:
        FK_ANDEL = Err.Description
End Function

Function FK_BEFOLKNING(region, ar)
        #If App = "Microsoft Excel" Then
            If TypeOf Application.Caller Is Range Then On Error GoTo failed
            FK_BEFOLKNING = XLPy.CallUDF("xl_tools.udfs", "FK_BEFOLKNING", Array(region, ar), ThisWorkbook, Application.Caller)
            Exit Function
        #Else
            FK_BEFOLKNING = XLPy.CallUDF("xl_tools.udfs", "FK_BEFOLKNING", Array(region, ar))
            Exit Function
        #End If
failed:
        FK_BEFOLKNING = Err.Description
End Function

Function FK_FORDELA(pot, ar, Optional avrundning)
        #If App = "Microsoft Excel" Then
            If TypeOf Application.Caller Is Range Then On Error GoTo failed
            FK_FORDELA = XLPy.CallUDF("xl_tools.udfs", "FK_FORDELA", Array(pot, ar, avrundning), ThisWorkbook, Application.Caller)
            Exit Function
        #Else
            FK_FORDELA = XLPy.CallUDF("xl_tools.udfs", "FK_FORDELA", Array(pot, ar, avrundning))
            Exit Function
        #End If
failed:
        FK_FORDELA = Err.Description
End Function

Function FK_REGIONER()
        #If App = "Microsoft Excel" Then
            If TypeOf Application.Caller Is Range Then On Error GoTo failed
            FK_REGIONER = XLPy.CallUDF("xl_tools.udfs", "FK_REGIONER", Array(), ThisWorkbook, Application.Caller)
            Exit Function
        #Else
            FK_REGIONER = XLPy.CallUDF("xl_tools.udfs", "FK_REGIONER", Array())
            Exit Function
        #End If
failed:
        FK_REGIONER = Err.Description
End Function

Function FK_REGION(text)
        #If App = "Microsoft Excel" Then
            If TypeOf Application.Caller Is Range Then On Error GoTo failed
            FK_REGION = XLPy.CallUDF("xl_tools.udfs", "FK_REGION", Array(text), ThisWorkbook, Application.Caller)
            Exit Function
        #Else
            FK_REGION = XLPy.CallUDF("xl_tools.udfs", "FK_REGION", Array(text))
            Exit Function
        #End If
failed:
        FK_REGION = Err.Description
End Function

Function FK_KONTAKTER(kontakter, pot, belopp_per_kontakt, ar, Optional avrundning)
        #If App = "Microsoft Excel" Then
            If TypeOf Application.Caller Is Range Then On Error GoTo failed
            FK_KONTAKTER = XLPy.CallUDF("xl_tools.udfs", "FK_KONTAKTER", Array(kontakter, pot, belopp_per_kontakt, ar, avrundning), ThisWorkbook, Application.Caller)
            Exit Function
        #Else
            FK_KONTAKTER = XLPy.CallUDF("xl_tools.udfs", "FK_KONTAKTER", Array(kontakter, pot, belopp_per_kontakt, ar, avrundning))
            Exit Function
        #End If
failed:
        FK_KONTAKTER = Err.Description
End Function
